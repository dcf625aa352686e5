// The worker side of the event bench, started with @sabkit/test-utils' startWorker.
import type { ScenarioContext } from "@sabkit/test-utils";
import { Event } from "../src/index.js";

/**
 * "message": echoes every message. "event": waits for `ping`, clears it, sets
 * `pong`, until `stop` is set.
 */
export function peer(
  ctx: ScenarioContext,
  mode: string,
  handles: { ping: unknown; pong: unknown; stop: unknown },
): Promise<void> | void {
  if (mode === "message") {
    ctx.port.on("message", (value) => ctx.port.postMessage(value));
    return new Promise(() => {});
  }
  const ping = Event.from(handles.ping);
  const pong = Event.from(handles.pong);
  const stop = Event.from(handles.stop);
  for (;;) {
    ping.wait();
    if (stop.isSet()) return;
    ping.clear();
    pong.set();
  }
}
