/**
 * Interleaving model of Event (its real code), run by the test-utils
 * explorer: exhaustive at preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 */
import { exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { Event } from "../../src/index.js";

/** Models run thousands of schedules synchronously: give each its own bound. */
const MODEL_TIME = 180_000;

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
});
