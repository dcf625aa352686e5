/**
 * Interleaving model of Event (its real code), run by the test-utils
 * explorer: exhaustive at preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 */
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { Deadline, drive } from "@sabkit/core/internal";
import { awaitAsyncWait, exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { EVENT_KIND, type EventHandle, EventWait, WAITERS } from "../../src/event.js";
import { Event } from "../../src/index.js";

/**
 * `Event.waitAsync`'s path (src/event.ts): the real fast path and wait loop
 * (EventWait), driven with its sleep awaited through the explorer, with the
 * real wait layer's waitAsync and Atomics.waitAsync registration. Only the
 * driver differs from driveAsync: the explorer cannot run an async function
 * (its continuations run in later microtasks), so each sleep is a
 * synchronous step of this logical thread.
 */
function waitAsyncPath(handle: unknown, timeoutMs?: number): boolean {
  const i32 = EVENT_KIND.attachHandle(handle as EventHandle, "Event.from(handle)");
  const wait = EventWait.begin(i32, Deadline.after(timeoutMs));
  return (
    wait === true ||
    drive(wait, (i32, index, expected, ms) =>
      awaitAsyncWait(() => waitAsync(i32, index, expected, ms)),
    )
  );
}

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

describe("Event model", () => {
  it(
    "two waiters and a setter: both return true, none is left asleep",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "Event 2 waiters + set",
        setup: () => ({ handle: new Event().handle }),
        threads: [
          ({ handle }) => Event.from(handle).wait(),
          ({ handle }) => Event.from(handle).wait(),
          ({ handle }) => Event.from(handle).set(),
        ],
        check: ({ handle }, results) => {
          expect(results.slice(0, 2)).toEqual([true, true]);
          expect(Event.from(handle).isSet()).toBe(true);
        },
      });
    },
    MODEL_TIME,
  );

  it(
    "set then clear while a waiter sleeps: the waiter still returns true",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "Event set + clear vs wait",
        setup: () => ({ handle: new Event().handle }),
        threads: [
          ({ handle }) => Event.from(handle).wait({ timeout: 20 }),
          ({ handle }) => {
            const event = Event.from(handle);
            event.set();
            event.clear();
          },
        ],
        // true (saw the set, even if cleared before it woke) or false only by timing out.
        check: (_, results) => expect(typeof results[0]).toBe("boolean"),
      });
    },
    MODEL_TIME,
  );

  it(
    "an async waiter (waitAsync's path), a blocking waiter and a setter: both see the set, none is left registered",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "Event waitAsync + wait + set",
        setup: () => ({ handle: new Event().handle }),
        threads: [
          ({ handle }) => waitAsyncPath(handle),
          ({ handle }) => Event.from(handle).wait(),
          ({ handle }) => Event.from(handle).set(),
        ],
        check: ({ handle }, results) => {
          expect(results.slice(0, 2)).toEqual([true, true]);
          const i32 = EVENT_KIND.attachHandle(handle as EventHandle, "check");
          expect(Atomics.load(i32, WAITERS)).toBe(0);
        },
      });
    },
    MODEL_TIME,
  );
});
