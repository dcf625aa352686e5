// The worker side of the barrier bench, started with @sabkit/test-utils' startWorker.
import type { ScenarioContext } from "@sabkit/test-utils";
import { Barrier } from "../src/index.js";

/** "message": echoes every message (the MessageChannel barrier's other party). */
export function peer(ctx: ScenarioContext, mode: string, handle: unknown): Promise<void> | void {
  if (mode === "message") {
    ctx.port.on("message", (value) => ctx.port.postMessage(value));
    return new Promise(() => {});
  }
  const barrier = Barrier.from(handle);
  for (;;) {
    try {
      barrier.wait();
    } catch {
      return; // the bench aborted the barrier: leave
    }
  }
}
