/**
 * Interleaving models of Semaphore and BoundedSemaphore (their real code),
 * run by the test-utils explorer: exhaustive at preemption bound 2, then
 * random and PCT schedules (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run
 * test/models` for 10^5 each). Each logical thread gets its own identity
 * (the explorer installs core's thread-identity provider while a model runs).
 */
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { Deadline, drive, type Sleep } from "@sabkit/core/internal";
import { awaitAsyncWait, exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { BoundedSemaphore, Semaphore } from "../../src/index.js";
import {
  BEGIN_ACQUIRE,
  SEMAPHORE_KIND,
  type SemaphoreHandle,
  WAITERS,
} from "../../src/semaphore.js";

/** The async form's sleep, awaited through the explorer (it cannot run an async function: its continuations run in later microtasks). */
const sleepAsync: Sleep = (i32, index, expected, ms) =>
  awaitAsyncWait(() => waitAsync(i32, index, expected, ms));

/**
 * `Semaphore.acquireAsync` (src/semaphore.ts): the real fast path and wait
 * loop (SemaphoreWait, without spins, as the async form runs it), driven with
 * the real wait layer's waitAsync. Only the driver differs from driveAsync.
 */
function acquireAsyncPath(sem: Semaphore): void {
  const wait = sem[BEGIN_ACQUIRE](Deadline.after(undefined), "acquireAsync", 0);
  if (wait !== true) drive(wait, sleepAsync);
}

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

interface State {
  readonly handle: unknown;
  /** [0] = holders right now, [1] = most holders seen. */
  readonly data: Int32Array;
}

function holdOnce(data: Int32Array): void {
  const now = Atomics.add(data, 0, 1) + 1;
  for (let max = Atomics.load(data, 1); now > max; max = Atomics.load(data, 1)) {
    Atomics.compareExchange(data, 1, max, now);
  }
  Atomics.sub(data, 0, 1);
}

describe("Semaphore model", () => {
  it(
    "3 threads, 2 permits: at most 2 holders, no lost wake-up, permits restored",
    () => {
      exploreAllModes<State>({
        name: "Semaphore(2) x3",
        setup: () => ({
          handle: new Semaphore(2).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [0, 1, 2].map(() => ({ handle, data }: State) => {
          const sem = Semaphore.from(handle);
          using _held = sem.acquire();
          holdOnce(data);
        }),
        check: ({ handle, data }) => {
          expect(Atomics.load(data, 1)).toBeLessThanOrEqual(2);
          const sem = Semaphore.from(handle);
          expect([sem.tryAcquire(), sem.tryAcquire(), sem.tryAcquire()]).toEqual([
            true,
            true,
            false,
          ]);
        },
      });
    },
    MODEL_TIME,
  );

  it(
    "a BoundedSemaphore(1) taken twice by each of 2 threads is never held by both",
    () => {
      exploreAllModes<State>({
        name: "BoundedSemaphore(1) 2x2",
        setup: () => ({
          handle: new BoundedSemaphore(1).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [0, 1].map(() => ({ handle, data }: State) => {
          const sem = BoundedSemaphore.from(handle);
          for (let i = 0; i < 2; i++) {
            sem.acquire();
            holdOnce(data);
            sem.release();
          }
        }),
        check: ({ data }) => expect(Atomics.load(data, 1)).toBe(1),
      });
    },
    MODEL_TIME,
  );

  it(
    "acquireAsync's path against a blocking acquirer on Semaphore(1): never two holders, no waiter left registered",
    () => {
      exploreAllModes<State>({
        name: "Semaphore(1) acquireAsync vs acquire",
        setup: () => ({
          handle: new Semaphore(1).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [
          ({ handle, data }: State) => {
            const sem = Semaphore.from(handle);
            for (let i = 0; i < 2; i++) {
              acquireAsyncPath(sem);
              holdOnce(data);
              sem.release();
            }
          },
          ({ handle, data }: State) => {
            const sem = Semaphore.from(handle);
            for (let i = 0; i < 2; i++) {
              using _held = sem.acquire();
              holdOnce(data);
            }
          },
        ],
        check: ({ handle, data }) => {
          expect(Atomics.load(data, 1)).toBe(1);
          const i32 = SEMAPHORE_KIND.attachHandle(handle as SemaphoreHandle, "check");
          expect(Atomics.load(i32, WAITERS)).toBe(0);
          expect(Semaphore.from(handle).value).toBe(1);
        },
      });
    },
    MODEL_TIME,
  );
});
