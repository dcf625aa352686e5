/// <reference lib="webworker" />
// A Web Worker: revives the lock, holds it until the page opens the gate,
// then increments under it with the blocking form.
import { revive } from "@sabkit/core";
import { Lock } from "../../src/index.js";

self.onmessage = (
  event: MessageEvent<{ tree: unknown; gate: SharedArrayBuffer; times: number }>,
) => {
  const { lock, counter } = revive<{ lock: Lock; counter: Int32Array }>(event.data.tree);
  const gate = new Int32Array(event.data.gate);
  {
    using _held = lock.acquire({ timeout: 10_000 });
    self.postMessage({ holding: true });
    Atomics.wait(gate, 0, 0, 10_000);
  }
  for (let i = 0; i < event.data.times; i++) {
    using _held = lock.acquire({ timeout: 10_000 });
    counter[0] = counter[0]! + 1;
  }
  self.postMessage({ done: true, isLock: lock instanceof Lock });
};
