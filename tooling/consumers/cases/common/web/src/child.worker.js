// The Process's worker entry: the bundler builds child.js into it.
import { serveProcess } from "sabkit/worker";

serveProcess(() => import("./child.js"));
