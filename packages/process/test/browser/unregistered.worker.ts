import { serveProcess } from "../../src/serve.js";

serveProcess(() => import("./unregistered.target.js"));
