// Real-worker scenario for queues placed in one caller-owned buffer (run by test/placement.test.ts).

import type { ScenarioContext } from "@sabkit/test-utils";
import { Queue } from "../../src/index.js";

/**
 * Workers come in pairs, one pair per placed queue: worker 2k puts
 * `perQueue` numbers (k * 1,000,000 + i, in order) into queue k, worker
 * 2k + 1 gets them and returns what it received, in the order it got them.
 */
export function placedPair(
  ctx: ScenarioContext,
  handles: readonly unknown[],
  perQueue: number,
): number[] {
  const k = ctx.index >> 1;
  const queue = Queue.from<number>(handles[k]);
  if (ctx.index % 2 === 0) {
    for (let i = 0; i < perQueue; i++) queue.put(k * 1_000_000 + i, { timeout: 30_000 });
    return [];
  }
  const received: number[] = [];
  while (received.length < perQueue) {
    const want = Math.min(1 + (received.length % 5), perQueue - received.length);
    received.push(...queue.getMany(want, { timeout: 30_000 }));
  }
  return received;
}
