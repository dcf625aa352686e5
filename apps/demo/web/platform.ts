/**
 * The browser side of the platform seam. Vite emits both worker modules:
 * the plain worker through the `new Worker(new URL(...), { type: "module" })`
 * pattern below; the sabkit counter (the module `Process` imports in its
 * workers, whose exported `countChunks` it calls) as a second build entry
 * with its exports kept, at a fixed name (see vite.config.ts).
 */
import type { PlainWorker, Platform } from "../src/pipeline.js";

/** Set by vite.config.ts: the dev server's URL of the source, or the build's file. */
declare const __COUNTER_URL__: string;

export const webPlatform: Platform = {
  counterTarget: new URL(__COUNTER_URL__, new URL(import.meta.env.BASE_URL, location.href)),
  startPlainWorker(): PlainWorker {
    const worker = new Worker(new URL("../src/plain-worker.ts", import.meta.url), {
      type: "module",
    });
    return {
      post: (message, transfer) => worker.postMessage(message, transfer),
      onMessage: (listener) => worker.addEventListener("message", (event) => listener(event.data)),
      onError: (listener) =>
        worker.addEventListener("error", (event) =>
          listener(new Error(`plain worker: ${event.message}`)),
        ),
      terminate: () => worker.terminate(),
    };
  },
};
