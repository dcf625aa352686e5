import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
// Side-effect import: registers the kinds so revive knows them.
import "../../src/index.js";
import type { Semaphore } from "../../src/index.js";

// gauge words: 0 = threads inside now, 1 = most seen inside at once, 2 = entries
const INSIDE = 0;
const MOST = 1;
const ENTRIES = 2;

function enter(gauge: Int32Array): void {
  const inside = Atomics.add(gauge, INSIDE, 1) + 1;
  for (let most = Atomics.load(gauge, MOST); inside > most; most = Atomics.load(gauge, MOST)) {
    if (Atomics.compareExchange(gauge, MOST, most, inside) === most) break;
  }
  Atomics.add(gauge, ENTRIES, 1);
  for (let i = 0; i < 50; i++) Atomics.load(gauge, INSIDE); // stay inside a moment
  Atomics.sub(gauge, INSIDE, 1);
}

/** Enters the guarded section `times` times, cycling through the three forms. */
export async function hammer(
  ctx: ScenarioContext,
  shared: unknown,
  times: number,
): Promise<number> {
  const { sem, gauge } = revive<{ sem: Semaphore; gauge: Int32Array }>(shared);
  let entered = 0;
  for (let i = 0; i < times; i++) {
    const form = (i + ctx.index) % 3;
    if (form === 0) {
      using _permit = sem.acquire({ timeout: 10_000 });
      enter(gauge);
    } else if (form === 1) {
      await using _permit = await sem.acquireAsync({ timeout: 10_000 });
      enter(gauge);
    } else {
      if (!sem.tryAcquire()) {
        i--; // retry this iteration
        continue;
      }
      try {
        enter(gauge);
      } finally {
        sem.release();
      }
    }
    entered++;
  }
  return entered;
}

/**
 * Takes `n` permits, reports `{ type: "held", value }` to the test and stays
 * alive holding them until the test terminates this worker.
 */
export function takeAndKeep(ctx: ScenarioContext, shared: unknown, n: number): Promise<never> {
  const { sem } = revive<{ sem: Semaphore }>(shared);
  for (let i = 0; i < n; i++) sem.acquire({ timeout: 5_000 });
  ctx.port.postMessage({ type: "held", value: sem.value });
  return new Promise(() => {
    setInterval(() => {}, 1_000); // keeps the worker alive until terminated
  });
}

/** Blocks in acquire until a permit comes; reports how long it took. */
export function acquireOne(_ctx: ScenarioContext, shared: unknown, timeout: number): string {
  const { sem } = revive<{ sem: Semaphore }>(shared);
  try {
    sem.acquire({ timeout }).release();
    return "acquired";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
