import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
import "../../src/index.js";
import { Barrier, type WaitGroup } from "../../src/index.js";

// shared words: 0 = actions run, 1 = generation the last action saw, 2.. = per-index tallies
const ACTIONS = 0;

/**
 * `generations` rounds at a barrier; each thread passes the same action (it
 * counts runs). After every round checks the action ran exactly once for it.
 */
export async function rounds(
  ctx: ScenarioContext,
  handle: unknown,
  counters: Int32Array,
  generations: number,
): Promise<number> {
  const barrier = Barrier.from(handle, {
    action: () => {
      Atomics.add(counters, ACTIONS, 1);
    },
  });
  for (let g = 0; g < generations; g++) {
    const useAsync = (g + ctx.index) % 4 === 0;
    const index = useAsync
      ? await barrier.waitAsync({ timeout: 15_000 })
      : barrier.wait({ timeout: 15_000 });
    // Released only after the action of generation g ran, and generation g + 1
    // cannot finish without this thread: exactly g + 1 runs so far.
    const actions = Atomics.load(counters, ACTIONS);
    if (actions !== g + 1) {
      throw new Error(`generation ${g}: ${actions} actions ran`);
    }
    Atomics.add(counters, 2 + index, 1);
  }
  return generations;
}

/** One wait; returns the index or the error's class name. */
export async function waitOnce(
  ctx: ScenarioContext,
  handle: unknown,
  timeout: number | undefined,
): Promise<string> {
  const barrier = Barrier.from(handle);
  try {
    const index =
      ctx.index % 2 === 0 ? barrier.wait({ timeout }) : await barrier.waitAsync({ timeout });
    return `index:${index}`;
  } catch (error) {
    return (error as Error).name;
  }
}

/** Does `times` units of work, calling done() after each (the test called add). */
export function finish(_ctx: ScenarioContext, shared: unknown, times: number): number {
  const { group, work } = revive<{ group: WaitGroup; work: Int32Array }>(shared);
  for (let i = 0; i < times; i++) {
    Atomics.add(work, 0, 1);
    group.done();
  }
  return times;
}

/** Waits for the group (blocking or async by worker parity); returns what it saw. */
export async function waitGroup(
  ctx: ScenarioContext,
  shared: unknown,
  timeout: number,
): Promise<string> {
  const { group, work } = revive<{ group: WaitGroup; work: Int32Array }>(shared);
  try {
    if (ctx.index % 2 === 0) group.wait({ timeout });
    else await group.waitAsync({ timeout });
    return `done:${Atomics.load(work, 0)}`;
  } catch (error) {
    return (error as Error).name;
  }
}
