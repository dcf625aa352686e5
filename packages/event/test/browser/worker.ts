/// <reference lib="webworker" />
// The Web Worker of browser.test.ts: sets one event, blocks on the other.
import { Event } from "../../src/index.js";

self.onmessage = (event: MessageEvent) => {
  const fromWorker = Event.from(event.data.fromWorker);
  const fromPage = Event.from(event.data.fromPage);
  fromWorker.set();
  const result = fromPage.wait({ timeout: 10_000 }); // blocks for real in a worker
  self.postMessage(`worker wait: ${result}`);
};
