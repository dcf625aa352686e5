// @ts-check
// `sabkit/worker`: the worker-entry starts of @sabkit/process and
// @sabkit/pool for programs that install only `sabkit`, which also register
// every sabkit kind in the worker before its module runs, so primitives
// passed as arguments arrive live without an import of their packages.
//
// Import-free at load time, as the entries it wraps: the kinds, the target
// and every sabkit module load through import() after the start message.
import { servePool as servePoolOnly } from "@sabkit/pool/worker";
import { serveProcess as serveProcessOnly } from "@sabkit/process/worker";

/** `load`, run after this thread has registered every sabkit kind. */
function withKinds(/** @type {(() => Promise<unknown>) | undefined} */ load) {
  if (load === undefined || typeof load !== "function") return load;
  return () => import("./register.js").then(() => load());
}

/**
 * Runs this worker as a sabkit Process (see `serveProcess` of
 * `@sabkit/process/worker`), every sabkit kind registered.
 *
 * @param {(() => Promise<unknown>) | undefined} [loadTarget] imports the target module,
 *   e.g. `() => import("./task.js")`.
 * @example
 * ```ts
 * // task.worker.ts, started by new Process({ target: () => new Worker(new URL("./task.worker.ts", import.meta.url), { type: "module" }) })
 * import { serveProcess } from "sabkit/worker";
 * serveProcess(() => import("./task.ts"));
 * ```
 */
export function serveProcess(loadTarget) {
  serveProcessOnly(withKinds(loadTarget));
}

/**
 * Runs this worker as a Pool's process (see `servePool` of
 * `@sabkit/pool/worker`), every sabkit kind registered.
 *
 * @param {(() => Promise<unknown>) | undefined} [loadTasks] imports the task module,
 *   e.g. `() => import("./tasks.js")`.
 * @example
 * ```ts
 * // tasks.worker.ts, started by new Pool(() => new Worker(new URL("./tasks.worker.ts", import.meta.url), { type: "module" }))
 * import { servePool } from "sabkit/worker";
 * servePool(() => import("./tasks.ts"));
 * ```
 */
export function servePool(loadTasks) {
  servePoolOnly(withKinds(loadTasks));
}
