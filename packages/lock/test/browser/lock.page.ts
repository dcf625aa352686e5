// The page for browser.test.ts: the main thread uses acquireAsync (it may not
// block), a Web Worker the blocking acquire, on one shared Lock.
import { helperCounts } from "@sabkit/atomics-sync-polyfill/internal";
import { share } from "@sabkit/core";
import { Lock } from "../../src/index.js";

const times = 2000;

/** Resolves true once `check()` holds, false after `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

async function run() {
  // Read before any wait: false when the test's prelude removed it, as an
  // engine without Atomics.waitAsync would look.
  const nativeWaitAsync = typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function";
  const lock = new Lock({ name: "page" });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker("/lock.js", { type: "module" });
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const done = new Promise<{ isLock: boolean }>((resolve, reject) => {
    worker.onmessage = (event) => {
      if (event.data.holding) holding();
      if (event.data.done) resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  });
  worker.postMessage({ tree: share({ lock, counter }), gate: gate.buffer, times });

  // One acquireAsync that has to sleep: the worker holds the lock until the
  // gate opens. Without a native Atomics.waitAsync it sleeps in one of the
  // wait layer's helper workers; the gate opens once one is busy.
  await held;
  const first = lock.acquireAsync({ timeout: 10_000 });
  const sleptInHelper = nativeWaitAsync
    ? false
    : await until(() => helperCounts().busy > 0, 10_000);
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  (await first).release();

  for (let i = 0; i < times; i++) {
    const held = await lock.acquireAsync({ timeout: 10_000 });
    counter[0] = counter[0]! + 1;
    held.release();
  }
  const reply = await done;
  // The blocking form on the main thread spins instead of throwing.
  const heldByPage = lock.acquire({ timeout: 1000 });
  const lockedWhileHeld = lock.locked;
  heldByPage.release();
  worker.terminate();
  return {
    nativeWaitAsync,
    sleptInHelper,
    total: counter[0],
    isLock: reply.isLock,
    lockedWhileHeld,
    lockedAfter: lock.locked,
  };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = run();
