/**
 * Interleaving models of Lock, RLock and Condition (their real code), run by
 * the test-utils explorer: every schedule with at most 2 preemptions, then
 * random and PCT schedules. Each logical thread gets its own identity: the
 * explorer installs core's thread-identity provider while a model runs.
 *
 * `SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` (in packages/lock)
 * runs 10^5 random and 10^5 PCT schedules per model (CI runs 3 × 10^4 of each).
 */
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import type { Guard } from "@sabkit/core";
import { Deadline, drive, type Sleep } from "@sabkit/core/internal";
import {
  awaitAsyncWait,
  exploreAllModes,
  type Model,
  modelSchedules,
} from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { Condition, Lock, RLock } from "../../src/index.js";
import { BEGIN_ACQUIRE, END_ACQUIRE } from "../../src/lockable.js";
import { ASYNC_SPIN_LIMIT, LockWait, STATE, WAITERS } from "../../src/mutex.js";

/** Exhaustive at bound 2, then random and PCT schedules (see the header). */
function exploreAll<S>(model: Model<S>): void {
  const [exhaustive, random] = exploreAllModes(model);
  expect(exhaustive!.complete).toBe(true);
  expect(random!.schedules).toBe(modelSchedules());
}

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

interface Counted {
  readonly handle: unknown;
  /** [0] = counter incremented under the lock (plain), [1] = threads inside the critical section. */
  readonly data: Int32Array;
  readonly i32: Int32Array;
}

function criticalSection(data: Int32Array): void {
  // At most one holder: nobody else is inside.
  if (Atomics.add(data, 1, 1) !== 0) throw new Error("two threads inside the critical section");
  data[0] = data[0]! + 1; // plain read + write, each a step
  Atomics.sub(data, 1, 1);
}

function lockModel(threads: number, times: number, timeout?: number): Model<Counted> {
  return {
    name: `Lock ${threads} threads x ${times}${timeout === undefined ? "" : ` timeout ${timeout}`}`,
    setup: () => {
      const lock = new Lock();
      const handle = lock.handle;
      return {
        handle,
        data: new Int32Array(new SharedArrayBuffer(8)),
        i32: new Int32Array(handle.buffer, handle.byteOffset, 9),
      };
    },
    threads: Array.from({ length: threads }, () => ({ handle, data }: Counted) => {
      const lock = Lock.from(handle);
      let acquired = 0;
      for (let i = 0; i < times; i++) {
        try {
          using _held = lock.acquire(timeout === undefined ? undefined : { timeout });
          criticalSection(data);
          acquired++;
        } catch (error) {
          if ((error as { code?: string }).code !== "ERR_SABKIT_TIMEOUT") throw error;
        }
      }
      return acquired;
    }),
    check: ({ data, i32 }, results) => {
      const acquired = (results as number[]).reduce((a, b) => a + b, 0);
      if (timeout === undefined) expect(acquired).toBe(threads * times);
      expect(data[0]).toBe(acquired);
      expect(Atomics.load(i32, STATE)).toBe(0); // free
      expect(Atomics.load(i32, WAITERS)).toBe(0); // every waiter left
    },
  };
}

describe("Lock model", () => {
  it(
    "2 threads acquiring twice each: mutual exclusion, no lost wake-up, an exact counter",
    () => {
      exploreAll(lockModel(2, 2));
    },
    MODEL_TIME,
  );
  it(
    "3 threads acquiring once each: mutual exclusion, every waiter woken, the lock free at the end",
    () => {
      exploreAll(lockModel(3, 1));
    },
    MODEL_TIME,
  );
  it(
    "2 threads x 2 with a timeout: a timed-out waiter leaves WAITERS balanced",
    () => {
      exploreAll(lockModel(2, 2, 5));
    },
    MODEL_TIME,
  );
});

describe("RLock model", () => {
  it(
    "2 threads, each entering twice: exclusion and a balanced release",
    () => {
      exploreAll<Counted>({
        name: "RLock 2 threads, depth 2",
        setup: () => {
          const lock = new RLock();
          const handle = lock.handle;
          return {
            handle,
            data: new Int32Array(new SharedArrayBuffer(8)),
            i32: new Int32Array(handle.buffer, handle.byteOffset, 9),
          };
        },
        threads: [0, 1].map(() => ({ handle, data }: Counted) => {
          const lock = RLock.from(handle);
          using _outer = lock.acquire();
          {
            using _inner = lock.acquire();
            criticalSection(data);
          }
          criticalSection(data);
        }),
        check: ({ data, i32 }) => {
          expect(data[0]).toBe(4);
          expect(Atomics.load(i32, STATE)).toBe(0);
          expect(Atomics.load(i32, WAITERS)).toBe(0);
        },
      });
    },
    MODEL_TIME,
  );
});

interface CondState {
  readonly handle: unknown;
  readonly data: Int32Array;
}

describe("Condition model", () => {
  it(
    "a consumer waiting for a flag set under the lock is always woken",
    () => {
      exploreAll<CondState>({
        name: "Condition flag hand-off",
        setup: () => ({
          handle: new Condition(new Lock()).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [
          ({ handle, data }) => {
            const cond = Condition.from(handle);
            using _held = cond.acquire();
            return cond.waitFor(() => data[0] === 1);
          },
          ({ handle, data }) => {
            const cond = Condition.from(handle);
            using _held = cond.acquire();
            data[0] = 1;
            cond.notify();
          },
        ],
        check: (_, results) => expect(results[0]).toBe(true),
      });
    },
    MODEL_TIME,
  );

  it(
    "notify(1) with two waiters and two items: both consumers get one",
    () => {
      exploreAll<CondState>({
        name: "Condition 2 consumers, 1 producer",
        setup: () => ({
          handle: new Condition(new Lock()).handle,
          data: new Int32Array(new SharedArrayBuffer(8)),
        }),
        threads: [
          ...[0, 1].map(() => ({ handle, data }: CondState) => {
            const cond = Condition.from(handle);
            using _held = cond.acquire();
            cond.waitFor(() => data[0]! > 0);
            data[0] = data[0]! - 1;
            data[1] = data[1]! + 1;
          }),
          ({ handle, data }: CondState) => {
            const cond = Condition.from(handle);
            for (let i = 0; i < 2; i++) {
              using _held = cond.acquire();
              data[0] = data[0]! + 1;
              cond.notify(1);
            }
          },
        ],
        check: ({ data }) => expect([data[0], data[1]]).toEqual([0, 2]),
      });
    },
    MODEL_TIME,
  );
});

/** The async forms' sleep, awaited through the explorer (it cannot run the async function itself: its continuations run in later microtasks). */
const sleepAsync: Sleep = (i32, index, expected, ms) =>
  awaitAsyncWait(() => waitAsync(i32, index, expected, ms));

/**
 * `Lock.acquireAsync` (src/lockable.ts): the real fast path and wait loop
 * (LockWait, with the async spin limit), driven with the real wait layer's
 * waitAsync and Atomics.waitAsync registration. Only the driver differs from
 * driveAsync: each sleep is a synchronous step of this logical thread.
 */
function acquireAsyncPath(lock: Lock): Guard {
  const begun = lock[BEGIN_ACQUIRE](Deadline.after(undefined), ASYNC_SPIN_LIMIT);
  return begun instanceof LockWait ? lock[END_ACQUIRE](drive(begun, sleepAsync)) : begun;
}

describe("Lock model, async form", () => {
  it(
    "acquireAsync's path against a blocking acquirer: mutual exclusion, no lost wake-up",
    () => {
      exploreAll<Counted>({
        name: "Lock acquireAsync vs acquire",
        setup: () => {
          const lock = new Lock();
          const handle = lock.handle;
          return {
            handle,
            data: new Int32Array(new SharedArrayBuffer(8)),
            i32: new Int32Array(handle.buffer, handle.byteOffset, 9),
          };
        },
        threads: [
          ({ handle, data }) => {
            const lock = Lock.from(handle);
            for (let i = 0; i < 2; i++) {
              using _held = acquireAsyncPath(lock);
              criticalSection(data);
            }
          },
          ({ handle, data }) => {
            const lock = Lock.from(handle);
            for (let i = 0; i < 2; i++) {
              using _held = lock.acquire();
              criticalSection(data);
            }
          },
        ],
        check: ({ data, i32 }) => {
          expect(data[0]).toBe(4);
          expect(Atomics.load(i32, STATE)).toBe(0);
          expect(Atomics.load(i32, WAITERS)).toBe(0);
        },
      });
    },
    MODEL_TIME,
  );
});
