import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
// Registers every kind, so revive knows all of them.
import "../../src/register.js";
import type { Barrier, Event, Queue, Semaphore, WaitGroup } from "../../src/index.js";

interface Together {
  start: Event;
  permit: Semaphore;
  barrier: Barrier;
  finished: WaitGroup;
  results: Queue<number>;
  counter: Int32Array;
}

/**
 * Waits for the start, increments the plain counter `rounds` times under the
 * Semaphore(1), meets the others at the Barrier, then reports through the
 * Queue and the WaitGroup.
 */
export async function work(ctx: ScenarioContext, shared: unknown, rounds: number) {
  const { start, permit, barrier, finished, results, counter } = revive<Together>(shared);
  start.wait({ timeout: 20_000 });
  for (let i = 0; i < rounds; i++) {
    using _permit =
      i % 2 === 0
        ? permit.acquire({ timeout: 20_000 })
        : await permit.acquireAsync({ timeout: 20_000 });
    counter[0] = counter[0]! + 1;
  }
  await barrier.waitAsync({ timeout: 20_000 });
  results.put(ctx.index, { timeout: 20_000 });
  finished.done();
  return rounds;
}
