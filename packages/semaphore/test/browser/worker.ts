/// <reference lib="webworker" />
// The Web Worker of browser.test.ts: blocks in acquire(), then releases 2 permits.
import { Semaphore } from "../../src/index.js";

self.onmessage = (event: MessageEvent) => {
  const sem = Semaphore.from(event.data);
  self.postMessage("waiting");
  const permit = sem.acquire({ timeout: 10_000 }); // blocks for real in a worker
  permit.release();
  sem.release(); // now 2 permits
  self.postMessage("acquired");
};
