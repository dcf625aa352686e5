// The page of browser.test.ts: a Semaphore shared with a Web Worker.
import { Semaphore } from "../../src/index.js";

globalThis.__sabkitResult = (async () => {
  const sem = new Semaphore(0);
  const worker = new Worker("/worker.js", { type: "module" });
  const replies: string[] = [];
  const next = () =>
    new Promise<string>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data as string);
      worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
    });
  let reply = next();
  worker.postMessage(sem.handle);
  replies.push(await reply); // "waiting": the worker is about to block in acquire()
  reply = next();
  sem.release(); // wakes the blocked worker
  replies.push(await reply); // "acquired", after which the worker released 2
  const first = await sem.acquireAsync({ timeout: 5_000 }); // async form on the page
  const second = sem.tryAcquire();
  const third = sem.tryAcquire();
  first.release();
  worker.terminate();
  return { replies, second, third, value: sem.value };
})();

declare global {
  var __sabkitResult: unknown;
}
