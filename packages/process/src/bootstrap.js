// @ts-check
// The entry of every worker that `Process` starts from a target URL (Node,
// Deno, Bun and browsers): platform.ts starts it with
// `new Worker(new URL("./bootstrap.js", import.meta.url), { type: "module" })`,
// the pattern bundlers follow to build a worker entry. All it does is in
// serve.js; the target is imported from the URL in the start message.
import { serveProcess } from "./serve.js";

serveProcess();
