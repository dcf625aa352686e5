import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
import "../../src/index.js";
import type { Event } from "../../src/index.js";

/** Waits once, blocking (even workers) or async (odd workers); returns what wait returned. */
export async function waitOnce(
  ctx: ScenarioContext,
  shared: unknown,
  timeout: number,
): Promise<string> {
  const { event } = revive<{ event: Event }>(shared);
  const result = ctx.index % 2 === 0 ? event.wait({ timeout }) : await event.waitAsync({ timeout });
  return `${ctx.index % 2 === 0 ? "sync" : "async"}:${result}`;
}

/** `rounds` ping-pongs: worker 0 waits for `ping`, clears it, sets `pong`; worker 1 the reverse. */
export async function pingPong(
  ctx: ScenarioContext,
  shared: unknown,
  rounds: number,
): Promise<number> {
  const { ping, pong, log } = revive<{ ping: Event; pong: Event; log: Int32Array }>(shared);
  for (let r = 0; r < rounds; r++) {
    if (ctx.index === 0) {
      if (!ping.wait({ timeout: 10_000 })) throw new Error(`round ${r}: ping never came`);
      ping.clear();
      Atomics.add(log, 0, 1);
      pong.set();
    } else {
      ping.set();
      if (!(await pong.waitAsync({ timeout: 10_000 })))
        throw new Error(`round ${r}: pong never came`);
      pong.clear();
      if (Atomics.load(log, 0) !== r + 1) throw new Error(`round ${r}: log is ${log[0]}`);
    }
  }
  return rounds;
}
