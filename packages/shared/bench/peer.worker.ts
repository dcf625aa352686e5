// The worker side of bench/index.ts (started with @sabkit/test-utils' startWorker).
import { parentPort } from "node:worker_threads";
import { SharedDict } from "../src/index.js";

function key(i: number, w: number): string {
  return `k${(i * 7 + w) % 1000}`;
}

/** On each "go" message: n get/set ops (half each) on the SharedDict, then "done". */
export function dictWorker(ctx: { index: number }, handle: unknown): Promise<void> {
  const dict = SharedDict.from<string, number>(handle);
  return new Promise((resolve) => {
    parentPort!.on("message", (message: { n?: number } | "stop") => {
      if (message === "stop") return resolve();
      const n = message.n as number;
      for (let i = 0; i < n; i++) {
        if (i & 1) dict.set(key(i, ctx.index), i);
        else dict.get(key(i, ctx.index));
      }
      parentPort!.postMessage("done");
    });
  });
}

/** The same ops as RPCs to a Map in the main thread over the worker's port (one at a time, awaited). */
export function rpcWorker(ctx: { index: number }): Promise<void> {
  let pending: ((value: unknown) => void) | undefined;
  const call = (request: [number, string, number?]) =>
    new Promise((resolve) => {
      pending = resolve;
      parentPort!.postMessage(request);
    });
  return new Promise((resolve) => {
    parentPort!.on("message", async (message: { n?: number } | "stop" | { reply: unknown }) => {
      if (message === "stop") return resolve();
      if ("reply" in message) return pending?.(message.reply);
      const n = message.n as number;
      for (let i = 0; i < n; i++) {
        if (i & 1) await call([1, key(i, ctx.index), i]);
        else await call([0, key(i, ctx.index)]);
      }
      parentPort!.postMessage("done");
    });
  });
}
