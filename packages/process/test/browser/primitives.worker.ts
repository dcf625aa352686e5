// A worker entry of the program's own: the bundler builds the target into it.
import { serveProcess } from "../../src/serve.js";

serveProcess(() => import("./primitives.target.js"));
