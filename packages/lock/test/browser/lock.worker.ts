/// <reference lib="webworker" />
// A Web Worker: revives the lock and increments under it with the blocking form.
import { revive } from "@sabkit/core";
import { Lock } from "../../src/index.js";

self.onmessage = (event: MessageEvent<{ tree: unknown; times: number }>) => {
  const { lock, counter } = revive<{ lock: Lock; counter: Int32Array }>(event.data.tree);
  self.postMessage({ started: true });
  for (let i = 0; i < event.data.times; i++) {
    using _held = lock.acquire({ timeout: 10_000 });
    counter[0] = counter[0]! + 1;
  }
  self.postMessage({ done: true, isLock: lock instanceof Lock });
};
