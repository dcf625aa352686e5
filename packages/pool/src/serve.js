// @ts-check
// The start of a pool worker built by a bundler: `servePool()` runs this worker
// as one of a Pool's processes (the process part is @sabkit/process's serveProcess),
// with the pool's worker loop (worker.ts) as its target and the task module
// either built in (`servePool(() => import("./tasks.js"))`, a worker entry of the
// user's) or imported from the URL the Pool was given (entry.js, the default
// entry in browsers).
//
// Like @sabkit/process's serve.js, it imports nothing at load time but that
// import-free module: the worker loop and every sabkit module load through
// import() after the start message has published the runtime, and the literal
// `import("./worker.js")` is one every bundler follows into the worker.
import { serveProcess } from "@sabkit/process/worker";

/**
 * Runs this worker as a pool process. Call it once, as the first statement
 * of a worker entry, and import nothing else there.
 *
 * @param {(() => Promise<unknown>) | undefined} [loadTasks] imports the task module
 *   (`() => import("./tasks.js")`, which a bundler builds into this worker); without
 *   it the task module is imported from the URL the Pool was given.
 * @example
 * ```ts
 * // tasks.worker.ts, started by new Pool(() => new Worker(new URL("./tasks.worker.ts", import.meta.url), { type: "module" }))
 * import { servePool } from "@sabkit/pool/worker";
 * servePool(() => import("./tasks.ts"));
 * ```
 */
export function servePool(loadTasks) {
  if (loadTasks !== undefined && typeof loadTasks !== "function") {
    throw new TypeError(
      'servePool(loadTasks): loadTasks must be a function that imports the task module, e.g. () => import("./tasks.js")',
    );
  }
  serveProcess(() =>
    import("./worker.js").then((loop) => ({
      runPoolWorker: (/** @type {any} */ config) => loop.runPoolWorker(config, loadTasks),
    })),
  );
}
