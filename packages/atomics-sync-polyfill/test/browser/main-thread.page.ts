// The page for browser.test.ts. `globalThis.__sabkitArgs.scenario` picks what
// to run on the page's main thread; the result goes to __sabkitResult.
import { canBlock, notify, waitAsync, waitSync } from "../../src/index.js";
import {
  type AsyncStrategy,
  hasNativeWaitAsync,
  helperCounts,
  setWaitStrategy,
} from "../../src/internal.js";

const { scenario } = (globalThis as { __sabkitArgs?: { scenario: string } }).__sabkitArgs ?? {
  scenario: "",
};

function startHelper(): Worker {
  return new Worker("/helper.js", { type: "module" });
}

/** Posts `request`; resolves with the worker's first reply that is not an { armed } note. */
function ask(
  worker: Worker,
  request: Record<string, unknown>,
  onArmed?: () => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      if (event.data.armed) onArmed?.();
      else resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
    worker.postMessage(request);
  });
}

async function waitSyncOnMainThread() {
  const worker = startHelper();
  const buffer = new SharedArrayBuffer(8);
  const i32 = new Int32Array(buffer);
  let armed!: () => void;
  const running = new Promise<void>((resolve) => (armed = resolve));
  const notified = ask(
    worker,
    { op: "storeAndNotify", buffer, index: 0, value: 1, delayMs: 100 },
    armed,
  );
  await running;
  // Spins (the main thread may not block) until the worker stores and notifies.
  let okResult: string;
  try {
    okResult = waitSync(i32, 0, 0, 10_000);
  } catch (error) {
    okResult = `threw ${String(error)}`;
  }
  await notified;
  const notEqual = waitSync(i32, 0, 0, 10_000);
  const start = performance.now();
  const timedOut = waitSync(i32, 1, 0, 120);
  const timedOutAfterMs = performance.now() - start;
  worker.terminate();
  let rawWaitThrows = false;
  try {
    Atomics.wait(i32, 1, 0, 0);
  } catch {
    rawWaitThrows = true;
  }
  return { canBlock: canBlock(), rawWaitThrows, okResult, notEqual, timedOut, timedOutAfterMs };
}

/**
 * waitAsync on the main thread with the strategy the wait layer picks (or
 * `strategy`). The test removes Atomics.waitAsync with a prelude, before any
 * module of the page is evaluated, for the fallback scenarios.
 */
async function waitAsyncOnMainThread(strategy: AsyncStrategy) {
  setWaitStrategy({ async: strategy });
  const worker = startHelper();
  const buffer = new SharedArrayBuffer(16);
  const i32 = new Int32Array(buffer);
  const pending = waitAsync(i32, 0, 0, 10_000);
  const notified = await ask(worker, {
    op: "storeAndNotify",
    buffer,
    index: 0,
    value: 1,
    delayMs: 50,
  });
  const ok = await pending;
  const notEqual = await waitAsync(i32, 0, 0, 10_000);
  // Wake-ups in a row: each round the worker stores i and notifies, ending
  // the page's wait on i - 1 (a helper worker is reused, or a poller started).
  const rounds: string[] = [];
  for (let i = 1; i <= 20; i++) {
    const round = waitAsync(i32, 2, i - 1, 10_000);
    await ask(worker, { op: "storeAndNotify", buffer, index: 2, value: i, delayMs: 0 });
    rounds.push(await round);
  }
  // Three waits on one cell, all ended by one store and notify.
  const together = [0, 1, 2].map(() => waitAsync(i32, 3, 0, 10_000));
  await ask(worker, { op: "storeAndNotify", buffer, index: 3, value: 1, delayMs: 20 });
  const all = await Promise.all(together);
  const start = performance.now();
  const timedOut = await waitAsync(i32, 1, 0, 80);
  const timedOutAfterMs = performance.now() - start;
  const controller = new AbortController();
  const aborted = waitAsync(i32, 1, 0, undefined, controller.signal);
  controller.abort("enough");
  const abortError = await aborted.then(
    () => "resolved",
    (e: Error & { cause?: unknown }) => `${e.name}:${String(e.cause)}`,
  );
  // Wake the abandoned wait (helper or native) so nothing stays blocked.
  Atomics.store(i32, 1, 1);
  notify(i32, 1);
  worker.terminate();
  return {
    nativePresent: hasNativeWaitAsync(),
    ok,
    workerNotified: notified.notified,
    notEqual,
    rounds: rounds.filter((r) => r === "ok").length,
    all,
    timedOut,
    timedOutAfterMs,
    abortError,
    helpers: helperCounts(),
  };
}

async function waitSyncInWorker() {
  const worker = startHelper();
  const buffer = new SharedArrayBuffer(8);
  const i32 = new Int32Array(buffer);
  const reply = ask(worker, { op: "waitSync", buffer, index: 0, expected: 0, timeoutMs: 10_000 });
  // The worker blocks in a real Atomics.wait: retry until notify reports it
  // woke one. The value stays 0, so only a real notify can end its wait.
  let woken = 0;
  const end = performance.now() + 10_000;
  while (woken === 0 && performance.now() < end) {
    woken = notify(i32, 0);
    if (woken === 0) await new Promise((r) => setTimeout(r, 5));
  }
  const outcome = await reply;
  worker.terminate();
  return { result: outcome.result, workerCanBlock: outcome.canBlock, woken };
}

function notIsolated() {
  const hasSab = typeof SharedArrayBuffer === "function";
  let waitSyncError = "";
  try {
    waitSync(new Int32Array(4), 0, 0, 0);
  } catch (error) {
    waitSyncError = `${(error as Error).name}: ${(error as Error).message}`;
  }
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hasSab,
    canBlock: canBlock(),
    waitSyncError,
  };
}

async function run(): Promise<unknown> {
  switch (scenario) {
    case "waitSync-main":
      return waitSyncOnMainThread();
    case "waitAsync-main":
      return waitAsyncOnMainThread("auto");
    case "waitAsync-main-polling":
      return waitAsyncOnMainThread("polling");
    case "waitSync-worker":
      return waitSyncInWorker();
    case "not-isolated":
      return notIsolated();
    default:
      throw new Error(`unknown scenario "${scenario}"`);
  }
}

(globalThis as { __sabkitResult?: Promise<unknown> }).__sabkitResult = run();
