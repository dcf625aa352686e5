/**
 * Interleaving model of Barrier (its real code), run by the test-utils
 * explorer: exhaustive at preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 */
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { Deadline, drive, type Sleep } from "@sabkit/core/internal";
import { awaitAsyncWait, exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { BARRIER_KIND, type BarrierHandle, WAIT_LOOP, WAITERS } from "../../src/barrier.js";
import { Barrier, WaitGroup } from "../../src/index.js";
import {
  WAIT_GROUP_KIND,
  WAITERS as WAIT_GROUP_WAITERS,
  type WaitGroupHandle,
  WaitGroupWait,
} from "../../src/wait-group.js";

/** The async forms' sleep, awaited through the explorer (it cannot run an async function: its continuations run in later microtasks). */
const sleepAsync: Sleep = (i32, index, expected, ms) =>
  awaitAsyncWait(() => waitAsync(i32, index, expected, ms));

/**
 * `Barrier.waitAsync` (src/barrier.ts): the real wait loop (BarrierWait,
 * without spins, as the async form runs it), driven with the real wait
 * layer's waitAsync. Only the driver differs from driveAsync.
 */
function waitAsyncPath(barrier: Barrier): number {
  return drive(barrier[WAIT_LOOP](Deadline.after(undefined), 0), sleepAsync);
}

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

describe("Barrier model", () => {
  it(
    "3 parties, 2 rounds: each round hands out indices 0, 1 and 2 once, and nobody leaves before all arrived",
    () => {
      exploreAllModes<{ handle: unknown; data: Int32Array }>({
        name: "Barrier(3) x 2 rounds",
        setup: () => ({
          handle: new Barrier(3).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [0, 1, 2].map(() => ({ handle, data }: { handle: unknown; data: Int32Array }) => {
          const barrier = Barrier.from(handle);
          const indices: number[] = [];
          for (let round = 0; round < 2; round++) {
            Atomics.add(data, round, 1);
            indices.push(barrier.wait());
            // Everyone of this round arrived before anyone leaves.
            if (Atomics.load(data, round) !== 3) throw new Error(`left round ${round} early`);
          }
          return indices;
        }),
        check: (_, results) => {
          const rows = results as number[][];
          for (const round of [0, 1]) expect(rows.map((r) => r[round]).sort()).toEqual([0, 1, 2]);
        },
      });
    },
    MODEL_TIME,
  );

  it(
    "an async waiter (waitAsync's path) and two blocking ones, 2 rounds: indices 0..2 once per round, nobody left registered",
    () => {
      exploreAllModes<{ handle: unknown; data: Int32Array }>({
        name: "Barrier(3) waitAsync + 2 wait, 2 rounds",
        setup: () => ({
          handle: new Barrier(3).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [0, 1, 2].map(
          (thread) =>
            ({ handle, data }: { handle: unknown; data: Int32Array }) => {
              const barrier = Barrier.from(handle);
              const indices: number[] = [];
              for (let round = 0; round < 2; round++) {
                Atomics.add(data, round, 1);
                indices.push(thread === 0 ? waitAsyncPath(barrier) : barrier.wait());
                if (Atomics.load(data, round) !== 3) throw new Error(`left round ${round} early`);
              }
              return indices;
            },
        ),
        check: ({ handle }, results) => {
          const rows = results as number[][];
          for (const round of [0, 1]) expect(rows.map((r) => r[round]).sort()).toEqual([0, 1, 2]);
          const i32 = BARRIER_KIND.attachHandle(handle as BarrierHandle, "check");
          expect(Atomics.load(i32, WAITERS)).toBe(0);
        },
      });
    },
    MODEL_TIME,
  );
});

/** `WaitGroup.waitAsync` (src/wait-group.ts): the real fast path and loop, driven as above. */
function groupWaitAsyncPath(handle: unknown): true {
  const i32 = WAIT_GROUP_KIND.attachHandle(handle as WaitGroupHandle, "WaitGroup.from(handle)");
  const wait = WaitGroupWait.begin(i32, Deadline.after(undefined), "WaitGroup.waitAsync");
  if (wait !== true) drive(wait, sleepAsync);
  return true;
}

describe("WaitGroup model", () => {
  it(
    "an async and a blocking waiter on a count of 2 both return after the two done() calls, none left registered",
    () => {
      exploreAllModes<{ handle: unknown; data: Int32Array }>({
        name: "WaitGroup(2) waitAsync + wait + 2 done",
        setup: () => ({
          handle: new WaitGroup(2).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [
          ({ handle, data }) => groupWaitAsyncPath(handle) && Atomics.load(data, 0),
          ({ handle, data }) => {
            WaitGroup.from(handle).wait();
            return Atomics.load(data, 0);
          },
          ...[0, 1].map(() => ({ handle, data }: { handle: unknown; data: Int32Array }) => {
            Atomics.add(data, 0, 1); // the task's work, published by done()
            WaitGroup.from(handle).done();
          }),
        ],
        check: ({ handle }, results) => {
          // Each waiter saw both tasks' work: it returned only after the count reached 0.
          expect(results.slice(0, 2)).toEqual([2, 2]);
          const i32 = WAIT_GROUP_KIND.attachHandle(handle as WaitGroupHandle, "check");
          expect(Atomics.load(i32, WAIT_GROUP_WAITERS)).toBe(0);
        },
      });
    },
    MODEL_TIME,
  );
});
