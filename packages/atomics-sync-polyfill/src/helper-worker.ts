/**
 * The helper-worker fallback of `waitAsync`: a small pool of workers, each
 * blocking in a real `Atomics.wait` on a caller's behalf, as the TC39
 * proposal's polyfill does. Because the helper is a real waiter, a plain
 * `Atomics.notify` from any thread reaches it, and `notify`'s count is exact.
 *
 * One helper serves one wait at a time; a finished helper returns to the
 * idle pool (at most {@link MAX_IDLE_HELPERS} are kept, the rest end). In Node
 * helpers are `worker_threads` Workers made from source (`eval: true`) and
 * unref'd, so an idle helper never keeps a program alive; in browsers they
 * are classic Workers from a Blob URL.
 *
 * The hand-off gap: the caller checks the value, then posts the job. If the
 * value changes before the helper blocks, the helper's wait returns
 * "not-equal", which means "changed since the call" and is reported as "ok".
 * A notify that arrives in that gap and leaves the value unchanged is missed
 * (the helper then waits until the next notify or its timeout).
 */

import { tryNodeBuiltin } from "./environment.js";

export const MAX_IDLE_HELPERS = 4;

// Runs in the helper: plain script, no imports, works as a Node eval worker
// (CommonJS, `require` defined) and as a browser classic worker (`self`).
const HELPER_SOURCE = `"use strict";
const port = typeof require === "function" ? require("node:worker_threads").parentPort : self;
function run(job) {
  let result;
  try {
    // Compares and sleeps in one step; any thread's Atomics.notify on this
    // cell wakes it ("ok"), a value other than expected returns "not-equal".
    result = Atomics.wait(job.i32, job.index, job.expected, job.timeout);
  } catch (error) {
    result = "error: " + String(error);
  }
  port.postMessage(result);
}
if (typeof require === "function") port.on("message", run);
else port.onmessage = (event) => run(event.data);
`;

export type HelperResult = "ok" | "not-equal" | "timed-out";

interface HelperJob {
  i32: Int32Array;
  index: number;
  expected: number;
  timeout: number;
}

interface Helper {
  run(
    job: HelperJob,
    onResult: (result: HelperResult) => void,
    onFailure: (why: unknown) => void,
  ): void;
  terminate(): void;
}

const idle: Helper[] = [];
let busy = 0;
/** Set once creating or running a helper failed: from then on, callers poll. */
let unavailable: unknown;
let blobUrl: string | undefined;

interface NodeWorker {
  on(event: string, listener: (value: never) => void): unknown;
  postMessage(value: unknown): void;
  unref(): void;
  terminate(): unknown;
}

interface WorkerThreadsModule {
  Worker: new (source: string, options: Record<string, unknown>) => NodeWorker;
}

function nodeWorkerThreads(): WorkerThreadsModule | undefined {
  return tryNodeBuiltin<WorkerThreadsModule>("node:worker_threads");
}

/** Wraps a started worker as a Helper; `listen` attaches its message/failure listeners. */
function makeHelper(
  post: (job: HelperJob) => void,
  terminate: () => void,
  listen: (onMessage: (data: unknown) => void, onFailure: (why: unknown) => void) => void,
): Helper {
  let current:
    | { onResult: (r: HelperResult) => void; onFailure: (why: unknown) => void }
    | undefined;
  // Set when we end the helper ourselves: its exit is then not a failure.
  let ended = false;
  const helper: Helper = {
    run(job, onResult, onFailure) {
      current = { onResult, onFailure };
      post(job);
    },
    terminate() {
      ended = true;
      terminate();
    },
  };
  listen(
    (data) => {
      const job = current;
      current = undefined;
      if (job === undefined) return;
      if (data === "ok" || data === "not-equal" || data === "timed-out") {
        release(helper);
        job.onResult(data);
      } else {
        busy--;
        helper.terminate();
        job.onFailure(new Error(`wait helper failed: ${String(data)}`));
      }
    },
    (why) => {
      if (ended) return;
      ended = true;
      unavailable ??= why;
      const job = current;
      current = undefined;
      const at = idle.indexOf(helper);
      if (at >= 0) idle.splice(at, 1);
      if (job !== undefined) {
        busy--;
        job.onFailure(why);
      }
    },
  );
  return helper;
}

function createHelper(): Helper {
  const threads = nodeWorkerThreads();
  if (threads !== undefined) {
    const worker = new threads.Worker(HELPER_SOURCE, {
      eval: true,
      // No loaders or flags of the parent (tsx, --conditions): the helper is plain JS.
      execArgv: [],
      name: "sabkit-wait-helper",
    });
    const helper = makeHelper(
      (job) => worker.postMessage(job),
      () => void worker.terminate(),
      (onMessage, onFailure) => {
        worker.on("message", onMessage as (value: never) => void);
        worker.on("error", onFailure as (value: never) => void);
        worker.on("exit", ((code: number) =>
          onFailure(new Error(`wait helper exited with code ${code}`))) as (value: never) => void);
      },
    );
    // After the listeners: attaching a "message" listener refs the worker's port again.
    // Unref'd, a helper never keeps the program alive; pending waits hold the keep-alive.
    worker.unref();
    return helper;
  }
  if (typeof Worker === "function" && typeof Blob === "function" && typeof URL === "function") {
    blobUrl ??= URL.createObjectURL(new Blob([HELPER_SOURCE], { type: "text/javascript" }));
    const worker = new Worker(blobUrl, { name: "sabkit-wait-helper" });
    return makeHelper(
      (job) => worker.postMessage(job),
      () => worker.terminate(),
      (onMessage, onFailure) => {
        worker.onmessage = (event) => onMessage(event.data);
        worker.onerror = (event) => {
          event.preventDefault();
          onFailure(new Error(`wait helper failed: ${event.message || "worker error"}`));
        };
      },
    );
  }
  throw new Error("no Worker constructor here");
}

function release(helper: Helper): void {
  busy--;
  if (idle.length < MAX_IDLE_HELPERS) idle.push(helper);
  else helper.terminate();
}

/**
 * Starts a helper wait for (i32, index, expected, timeout). Returns false
 * (and calls nothing) where helpers cannot be created; otherwise exactly one
 * of the callbacks runs later. The caller has already checked that the value
 * equals `expected`, so a helper's "not-equal" is reported as "ok".
 */
export function startHelperWait(
  i32: Int32Array,
  index: number,
  expected: number,
  timeout: number,
  onResult: (result: "ok" | "timed-out") => void,
  onFailure: (why: unknown) => void,
): boolean {
  if (unavailable !== undefined) return false;
  let helper = idle.pop();
  if (helper === undefined) {
    try {
      helper = createHelper();
    } catch (error) {
      unavailable = error;
      return false;
    }
  }
  busy++;
  helper.run(
    { i32, index, expected, timeout },
    (result) => onResult(result === "timed-out" ? "timed-out" : "ok"),
    onFailure,
  );
  return true;
}

/** Helpers now blocking for a caller, and idle ones (for tests). */
export function helperCounts(): { busy: number; idle: number } {
  return { busy, idle: idle.length };
}

/** Ends the idle helpers (busy ones finish their wait first). For tests and clean shutdowns. */
export function disposeIdleHelpers(): void {
  for (const helper of idle.splice(0)) helper.terminate();
}

/** Why helpers are unavailable here, or undefined if they work (for tests and diagnostics). */
export function helperUnavailableReason(): unknown {
  return unavailable;
}

/** Forgets an earlier failure so helpers are tried again (tests). */
export function resetHelperAvailability(): void {
  unavailable = undefined;
}
