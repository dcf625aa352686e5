// The page for browser.test.ts: the main thread uses acquireAsync (it may not
// block), a Web Worker the blocking acquire, on one shared Lock.
import { share } from "@sabkit/core";
import { Lock } from "../../src/index.js";

const times = 2000;

async function run() {
  const lock = new Lock({ name: "page" });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker("/lock.js", { type: "module" });
  const done = new Promise<{ isLock: boolean }>((resolve, reject) => {
    worker.onmessage = (event) => {
      if (event.data.done) resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  });
  worker.postMessage({ tree: share({ lock, counter }), times });
  for (let i = 0; i < times; i++) {
    const held = await lock.acquireAsync({ timeout: 10_000 });
    counter[0] = counter[0]! + 1;
    held.release();
  }
  const reply = await done;
  // The blocking form on the main thread spins instead of throwing.
  const held = lock.acquire({ timeout: 1000 });
  const lockedWhileHeld = lock.locked;
  held.release();
  worker.terminate();
  return { total: counter[0], isLock: reply.isLock, lockedWhileHeld, lockedAfter: lock.locked };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = run();
