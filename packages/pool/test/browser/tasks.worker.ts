// A worker entry of the program's own, served as /tasks-entry.js (its own
// bundle, with the task module built in): what a bundler builds from
// `new Pool(() => new Worker(new URL("./tasks.worker.ts", import.meta.url), { type: "module" }))`.
import { servePool } from "../../src/serve.js";

servePool(() => import("./tasks.js"));
