/** The Node side of the platform seam: worker modules are the built files next to main.js. */
import { Worker } from "node:worker_threads";
import type { PlainWorker, Platform } from "./pipeline.js";

export const nodePlatform: Platform = {
  counterTarget: new URL("./count-worker.js", import.meta.url),
  startPlainWorker(): PlainWorker {
    const worker = new Worker(new URL("./plain-worker.js", import.meta.url));
    return {
      post: (message, transfer) => worker.postMessage(message, transfer as never),
      onMessage: (listener) => worker.on("message", listener),
      onError: (listener) => worker.on("error", listener),
      terminate: () => worker.terminate(),
    };
  },
  cpuTime(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
};
