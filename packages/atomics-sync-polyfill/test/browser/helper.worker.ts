/// <reference lib="webworker" />
// A Web Worker for the browser tests. Messages from the page:
//   { op: "storeAndNotify", buffer, index, value, delayMs } -> replies { armed }, sleeps, stores,
//                                                          notifies; replies with notify's return
//   { op: "waitSync", buffer, index, expected, timeoutMs }  -> blocks (workers may); replies with the outcome
import { canBlock, notify, waitSync } from "../../src/index.js";

interface Request {
  op: "storeAndNotify" | "waitSync";
  buffer: SharedArrayBuffer;
  index: number;
  value: number;
  expected: number;
  delayMs: number;
  timeoutMs?: number;
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  const i32 = new Int32Array(request.buffer);
  if (request.op === "storeAndNotify") {
    // Tell the page we are running before it starts spinning (a spinning page
    // thread cannot service a worker's start-up).
    self.postMessage({ armed: true });
    await new Promise((resolve) => setTimeout(resolve, request.delayMs));
    Atomics.store(i32, request.index, request.value);
    self.postMessage({ notified: notify(i32, request.index) });
  } else {
    const start = performance.now();
    const result = waitSync(i32, request.index, request.expected, request.timeoutMs);
    self.postMessage({ result, elapsedMs: performance.now() - start, canBlock: canBlock() });
  }
};
