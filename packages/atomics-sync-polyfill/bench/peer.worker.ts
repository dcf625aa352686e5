// The worker side of every bench case, started with @sabkit/test-utils' startWorker
// (which loads TypeScript and the "source" condition in the worker).
// Shared words (Int32Array over `buffer`):
//   TURN (0): odd = main's turn was handed to the worker, even = back to main; STOP (1): 1 = exit.
import type { ScenarioContext } from "@sabkit/test-utils";
import { notify, waitSync } from "../src/index.js";
import { spinWait } from "../src/internal.js";

export const TURN = 0;
export const STOP = 1;
export const SPIN_LIMIT = 100;

export function peer(
  ctx: ScenarioContext,
  mode: string,
  buffer: SharedArrayBuffer,
): Promise<void> | void {
  if (mode === "message") {
    // Echo: MessagePort ping-pong baseline. Runs until terminated.
    ctx.port.on("message", (value) => ctx.port.postMessage(value));
    return new Promise(() => {});
  }
  const i32 = new Int32Array(buffer);
  let seen = 0;
  for (;;) {
    // Wait for main to hand over an odd turn (or ask us to stop).
    for (let i = 0; ; i++) {
      const turn = Atomics.load(i32, TURN);
      if (turn !== seen || Atomics.load(i32, STOP) === 1) break;
      if (mode === "spin-then-wait" && i < SPIN_LIMIT) spinWait(i);
      else waitSync(i32, TURN, seen);
    }
    if (Atomics.load(i32, STOP) === 1) break;
    const turn = Atomics.load(i32, TURN);
    // Hand the turn back (even): publishes our reply; pairs with main's load of TURN.
    Atomics.store(i32, TURN, turn + 1);
    notify(i32, TURN);
    seen = turn + 1;
  }
}
