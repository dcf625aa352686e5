// @ts-check
// The start of every worker started by @sabkit/process (Node worker_threads,
// Deno, Bun and browser module workers alike): `serveProcess()` receives the start
// message, publishes the sabkit runtime (thread identity, liveness) and the
// `currentProcess()` record on globalThis before any sabkit module loads in
// this thread (so `isMainProcess()` is false while the target module is
// imported), then imports ./child.js, which runs the process (child.ts).
//
// Two entries call it: bootstrap.js (the target comes by URL, imported at run
// time), and a worker entry of the user's that a bundler builds with the
// target inside it (`serveProcess(() => import("./task.js"))`, see the README's "In a
// browser page").
//
// Why so little here, and why this shape:
// - No static import and no top-level await. The entry's static imports are
//   evaluated before the start message arrives, so nothing that reads the
//   runtime may load with them: the target and every sabkit module load
//   later, through import(). Bundlers build worker entries as classic scripts
//   (Vite's default), where top-level await cannot be. `import("./child.js")`
//   is a literal relative import, which every bundler follows into the
//   worker's bundle and Node, Deno and Bun resolve next to this file.
// - When the parent runs sabkit's own TypeScript sources (our tests), child.js
//   is child.ts: tsx must be registered before it is imported.
// - It reports a failure to load child.js itself, so a broken install ends
//   the process with an error instead of a silent hang.
//
// Exit record (see exit-record.ts for the table): word EXIT holds RUNNING
// until the first CAS writes the exit code. This file repeats the constants
// (a test checks they agree with exit-record.ts).
//
// Sleep/wake normally goes through @sabkit/atomics-sync-polyfill; this file
// imports nothing, and its one wake-up is for joiners in *other* threads,
// which the native Atomics.notify reaches (the polyfill's fallbacks are
// value-based and see the CAS). So it calls Atomics.notify directly.

const INHERITED_KEY = Symbol.for("sabkit.runtime.inherited");
const CURRENT_KEY = Symbol.for("sabkit.process.current");
const TYPESCRIPT_LOADER_KEY = Symbol.for("sabkit.process.typescriptLoader");
const EXIT = 1;
const RUNNING = -(2 ** 31);
const RECORD_BYTES = 8;
const INIT_TAG = "sabkit.process.init";
// Specifiers in variables: bundlers must not try to bundle them for browsers.
const TSX_API = "tsx/esm/api";
const WORKER_THREADS = "node:worker_threads";

/** @type {any} */
const scope = globalThis;

/**
 * The start message, and how it came: as `workerData` of a worker_threads
 * Worker (Node, Deno and Bun, from a target URL), or as the first message of
 * a Web Worker (browsers; Deno and Bun too, from a worker entry).
 * @returns {Promise<{ init: any, nodeThread: boolean }>}
 */
async function receiveInit() {
  if (typeof scope.process?.versions?.node === "string") {
    const get = scope.process.getBuiltinModule;
    const threads =
      typeof get === "function"
        ? get(WORKER_THREADS)
        : await import(/* @vite-ignore */ WORKER_THREADS);
    if (threads.workerData?.tag === INIT_TAG) return { init: threads.workerData, nodeThread: true };
  }
  return new Promise((resolve) => {
    scope.addEventListener(
      "message",
      (/** @type {MessageEvent} */ event) => resolve({ init: event.data, nodeThread: false }),
      { once: true },
    );
  });
}

/** The exit record, checked: the parent's memory is untrusted input. */
function exitRecord(/** @type {any} */ init) {
  if (init === null || typeof init !== "object" || init.tag !== INIT_TAG) {
    throw new TypeError(
      "@sabkit/process bootstrap: this worker was not started by Process (no start message); " +
        "start workers with new Process({ target }) instead of loading bootstrap.js directly",
    );
  }
  const buffer = init.exit;
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < RECORD_BYTES) {
    throw new TypeError("@sabkit/process bootstrap: the exit record is not a SharedArrayBuffer");
  }
  return new Int32Array(buffer, 0, RECORD_BYTES / 4);
}

/** Records `code` in `exitI32` unless an exit is recorded already (the first writer wins). */
function recordExit(/** @type {Int32Array} */ exitI32, /** @type {number} */ code) {
  const clamped = Number.isFinite(code)
    ? Math.max(RUNNING + 1, Math.min(2 ** 31 - 1, Math.trunc(code)))
    : 1;
  // Publishes the exit code; pairs with the load in readExit / join in the parent.
  if (Atomics.compareExchange(exitI32, EXIT, RUNNING, clamped) === RUNNING) {
    // Wakes the parent's joiners sleeping on EXIT (they slept only on RUNNING).
    Atomics.notify(exitI32, EXIT);
  }
}

async function start(
  /** @type {any} */ init,
  /** @type {boolean} */ nodeThread,
  /** @type {(() => Promise<unknown>) | undefined} */ loadTarget,
) {
  const exitI32 = exitRecord(init);
  // Read by @sabkit/core when it first loads in this thread (adoptRuntime).
  if (init.runtime !== undefined) scope[INHERITED_KEY] = init.runtime;
  Object.defineProperty(scope, CURRENT_KEY, {
    value: Object.freeze({
      name: init.name,
      pid: init.pid,
      daemon: init.daemon,
      parent: Object.freeze({ ...init.parent }),
    }),
    configurable: true,
  });
  const host = {
    init,
    nodeThread,
    loadTarget,
    recordExit: (/** @type {number} */ code) => recordExit(exitI32, code),
    /** worker_threads: through the result port (drained by a blocking join); Web Workers: the worker's channel. */
    report: (/** @type {unknown} */ message) =>
      nodeThread ? init.port.postMessage(message) : scope.postMessage(message),
  };
  if (nodeThread) {
    // process.exit(n) anywhere, or the end of the event loop: record the code.
    scope.process.on("exit", (/** @type {number} */ code) => host.recordExit(code));
    // An uncaught error outside the target's promise (a timer, an unhandled
    // rejection) ends a Node worker with 1; the parent gets the error through
    // the worker's "error" event.
    scope.process.on("uncaughtExceptionMonitor", () => host.recordExit(1));
  }
  let child;
  try {
    if (init.sourceMode) {
      const api = await import(/* @vite-ignore */ TSX_API);
      api.register();
      Object.defineProperty(scope, TYPESCRIPT_LOADER_KEY, { value: true, configurable: true });
    }
    child = await import("./child.js");
  } catch (error) {
    failToLoad(host, error);
    return;
  }
  await child.runChild(host);
}

/** child.js could not be loaded: report what the error says, then end with 1. */
function failToLoad(/** @type {any} */ host, /** @type {any} */ error) {
  const name = String(error?.name ?? "Error");
  const message = `@sabkit/process could not load its worker code (child.js): ${String(error?.message ?? error)}`;
  // Firefox writes only the frames (and sometimes nothing): the first line says what was thrown.
  const frames = typeof error?.stack === "string" ? error.stack : "";
  const head = `${name}: ${message}`;
  const stack = frames === "" ? undefined : frames.startsWith(name) ? frames : `${head}\n${frames}`;
  console.error(`Process ${host.init.name}:\n${stack || head}`);
  host.report({
    type: "error",
    error: { name, message, stack, code: undefined, props: {} },
  });
  host.recordExit(1);
  if (host.nodeThread) {
    scope.process.exit(1);
  } else {
    host.report({ type: "exit", code: 1 });
    scope.close();
  }
}

/**
 * Runs this worker as a sabkit process: waits for the start message from the
 * parent's `Process`, then imports the target and calls the exported function
 * the parent named. Call it once, as the first statement of a worker entry,
 * and import nothing else there.
 *
 * @param {(() => Promise<unknown>) | undefined} [loadTarget] imports the target module
 *   (`() => import("./task.js")`, which a bundler builds into this worker);
 *   without it the target is imported from the URL the parent gave.
 * @example
 * ```ts
 * // task.worker.ts, started by new Process({ target: () => new Worker(new URL("./task.worker.ts", import.meta.url), { type: "module" }) })
 * import { serveProcess } from "@sabkit/process/worker";
 * serveProcess(() => import("./task.ts"));
 * ```
 */
export function serveProcess(loadTarget) {
  if (loadTarget !== undefined && typeof loadTarget !== "function") {
    throw new TypeError(
      'serveProcess(loadTarget): loadTarget must be a function that imports the target, e.g. () => import("./task.js")',
    );
  }
  receiveInit().then(
    ({ init, nodeThread }) => start(init, nodeThread, loadTarget),
    (error) => {
      // No start message at all: nothing to report to; the worker's own error channel carries it.
      throw error;
    },
  );
}
