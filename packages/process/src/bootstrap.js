// @ts-check
// The entry of every worker started by @sabkit/process (Node worker_threads
// and browser module workers alike).
//
// Plain JavaScript, importing nothing at load time, so that it runs before
// any loader: it links the sabkit runtime (thread identity, liveness), marks
// this thread as a child process (so `isMainProcess()` is false while the
// target module is imported), registers tsx when the target is TypeScript,
// revives shared primitives in the arguments, imports the target, calls it,
// and ends the process with its exit code. Parents find this file with
// `new Worker(new URL("./bootstrap.js", import.meta.url), { type: "module" })`,
// the pattern bundlers (Vite, webpack) follow to emit a worker entry.
//
// Exit record (see exit-record.ts for the table): word EXIT holds RUNNING
// until the first CAS writes the exit code. This file repeats the constants
// (a test checks they agree with exit-record.ts).
//
// Sleep/wake normally goes through @sabkit/atomics-sync-polyfill; this file
// cannot import it before tsx is registered (and must not pay for it on the
// fast path), and its one wake-up is for joiners in *other* threads, which
// the native Atomics.notify reaches (the polyfill's fallbacks are value-based
// and see the CAS). So it calls Atomics.notify directly, once, at exit.

const INHERITED_KEY = Symbol.for("sabkit.runtime.inherited");
const CURRENT_KEY = Symbol.for("sabkit.process.current");
const CHILDREN_KEY = Symbol.for("sabkit.process.children");
const EXIT = 1;
const RUNNING = -(2 ** 31);
const RECORD_BYTES = 8;
const INIT_TAG = "sabkit.process.init";
// Specifiers in variables: bundlers must not try to bundle them for browsers.
const TSX_API = "tsx/esm/api";
const CORE = "@sabkit/core";
const CORE_INTERNAL = "@sabkit/core/internal";
const WORKER_THREADS = "node:worker_threads";

/** @type {any} */
const scope = globalThis;
const onNode = typeof scope.process?.versions?.node === "string";

/** @returns {Promise<any>} */
async function receiveInit() {
  if (onNode) {
    const threads =
      scope.process.getBuiltinModule?.(WORKER_THREADS) ??
      (await import(/* @vite-ignore */ WORKER_THREADS));
    return threads.workerData;
  }
  return new Promise((resolve) => {
    scope.addEventListener("message", (/** @type {MessageEvent} */ event) => resolve(event.data), {
      once: true,
    });
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

const init = await receiveInit();
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

/** Sends a report to the parent: Node through the result port (drained by a blocking join), browsers through the worker. */
function report(/** @type {unknown} */ message) {
  if (onNode) init.port.postMessage(message);
  else scope.postMessage(message);
}

/** Records `code` unless an exit is recorded already (the first writer wins). */
function recordExit(/** @type {number} */ code) {
  const clamped = Number.isFinite(code)
    ? Math.max(RUNNING + 1, Math.min(2 ** 31 - 1, Math.trunc(code)))
    : 1;
  // Publishes the exit code; pairs with the load in readExit / join in the parent.
  if (Atomics.compareExchange(exitI32, EXIT, RUNNING, clamped) === RUNNING) {
    // Wakes the parent's joiners sleeping on EXIT (they slept only on RUNNING).
    Atomics.notify(exitI32, EXIT);
  }
}

async function serialize(/** @type {unknown} */ error) {
  try {
    const core = await import(/* @vite-ignore */ CORE_INTERNAL);
    const serialized = core.serializeError(error);
    // A subclass that does not set `name` still reaches the parent under its class name.
    const className = /** @type {any} */ (error)?.constructor?.name;
    if (
      serialized.name === "Error" &&
      typeof className === "string" &&
      className !== "" &&
      className !== "Error"
    ) {
      serialized.name = className;
    }
    return serialized;
  } catch {
    const e = /** @type {any} */ (error);
    return {
      name: String(e?.name ?? "Error"),
      message: String(e?.message ?? e),
      stack: e?.stack,
      props: {},
    };
  }
}

let ending = false;

/** Reports a failure (before the exit record, so a joiner that sees 1 finds it), then ends. */
async function fail(/** @type {unknown} */ error) {
  if (ending) return;
  ending = true;
  const serialized = await serialize(error);
  // As Python does, the child prints its own traceback.
  console.error(
    `Process ${init.name}:\n${serialized.stack ?? `${serialized.name}: ${serialized.message}`}`,
  );
  report({ type: "error", error: serialized });
  await end(1);
}

/** Ends the process: daemonic children are terminated, others joined (Python's exit rule). */
async function end(/** @type {number} */ code) {
  /** @type {Set<any> | undefined} */
  const children = scope[CHILDREN_KEY];
  if (children !== undefined && children.size > 0) {
    const running = [...children];
    for (const child of running) if (child.daemon) child.terminate();
    await Promise.allSettled(running.filter((c) => !c.daemon).map((c) => c.joinAsync()));
  }
  recordExit(code);
  if (onNode) {
    scope.process.exit(code);
  } else {
    report({ type: "exit", code });
    scope.close();
  }
}

if (onNode) {
  // process.exit(n) anywhere, or the end of the event loop: record the code.
  scope.process.on("exit", (/** @type {number} */ code) => recordExit(code));
  // An uncaught error outside the target's promise (a timer, an unhandled
  // rejection) ends a Node worker with 1; the parent gets the error through
  // the worker's "error" event.
  scope.process.on("uncaughtExceptionMonitor", () => recordExit(1));
} else {
  // Browsers keep a worker running after an uncaught error; a process ends.
  scope.addEventListener("error", (/** @type {ErrorEvent} */ event) => {
    event.preventDefault();
    void fail(event.error ?? new Error(event.message));
  });
  scope.addEventListener("unhandledrejection", (/** @type {PromiseRejectionEvent} */ event) => {
    event.preventDefault();
    void fail(event.reason);
  });
}

async function registerTsx() {
  let api;
  try {
    api = await import(/* @vite-ignore */ TSX_API);
  } catch (cause) {
    throw new Error(
      `cannot load TypeScript target ${init.target}: Node needs tsx to run .ts files in a worker; ` +
        "install it (npm install --save-dev tsx) or point target at compiled JavaScript",
      { cause },
    );
  }
  api.register();
}

async function run() {
  if (init.tsx) await registerTsx();
  // The target first: importing it registers the kinds it uses, so reviveAsync
  // imports only packages the target did not.
  const module = await import(/* @vite-ignore */ init.target);
  let args = init.args;
  let kwargs = init.kwargs;
  if (init.hasHandles) {
    const core = await import(/* @vite-ignore */ CORE);
    args = await core.reviveAsync(args, "args");
    if (kwargs !== undefined) kwargs = await core.reviveAsync(kwargs, "kwargs");
  }
  const fn = module[init.export];
  if (typeof fn !== "function") {
    throw new TypeError(
      `target ${init.target} has no exported function "${init.export}" ` +
        `(found ${fn === undefined ? "nothing" : typeof fn}): export it, or pass { export: "<name>" }`,
    );
  }
  await (kwargs === undefined ? fn(...args) : fn(...args, kwargs));
}

try {
  await run();
} catch (error) {
  await fail(error);
}
if (!ending) {
  ending = true;
  await end(onNode ? (scope.process.exitCode ?? 0) : 0);
}
