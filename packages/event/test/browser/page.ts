// The page of browser.test.ts: Events shared with a Web Worker; the page waits with waitAsync.
import { helperCounts } from "@sabkit/atomics-sync-polyfill/internal";
import { Event } from "../../src/index.js";

globalThis.__sabkitResult = (async () => {
  // Read before any wait: false when the test's prelude removed it, as an
  // engine without Atomics.waitAsync would look.
  const nativeWaitAsync = typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function";
  const fromWorker = new Event();
  const fromPage = new Event();
  const worker = new Worker("/worker.js", { type: "module" });
  const done = new Promise<string>((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data as string);
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  });
  const early = fromWorker.isSet();
  const timedOut = await fromWorker.waitAsync({ timeout: 20 }); // false: nobody set it yet
  worker.postMessage({ fromWorker: fromWorker.handle, fromPage: fromPage.handle });
  const woken = await fromWorker.waitAsync({ timeout: 10_000 }); // the worker sets it
  // The wait layer's helper workers (its fallback) served these waits, or none did.
  const { busy, idle } = helperCounts();
  fromPage.set(); // wakes the worker blocked in wait()
  return {
    nativeWaitAsync,
    helpersUsed: busy + idle > 0,
    early,
    timedOut,
    woken,
    worker: await done,
  };
})();

declare global {
  var __sabkitResult: unknown;
}
