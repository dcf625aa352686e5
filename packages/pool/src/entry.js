// @ts-check
// The default entry of a pool worker in browsers (and in Deno and Bun from a
// worker-entry Pool's defaults): pool.ts starts it with
// `new Worker(new URL("./entry.js", import.meta.url), { type: "module" })`, the
// pattern bundlers follow to build a worker entry, so the pool's worker loop
// arrives bundled; the task module is imported from the Pool's URL.
import { servePool } from "./serve.js";

servePool();
