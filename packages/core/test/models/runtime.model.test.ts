/**
 * Interleaving model of core's identity allocation (the real spawnChild on
 * the runtime buffer), run by the test-utils explorer: exhaustive at
 * preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 * Exits are not modelled: recordExit scans all 4096 slots (thousands of steps).
 */
import { explore, exploreAllModes, LOGICAL_IDENTITY_BASE } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { isThreadAlive, threadIdentity } from "../../src/index.js";
import {
  deathEpoch,
  deathEpochWord,
  RUNTIME_WORDS,
  SLOT_COUNT,
  setThreadIdentityProvider,
  spawnChild,
} from "../../src/internal.js";

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

describe("runtime model", () => {
  it(
    "concurrent spawners get distinct identities in distinct live slots, each with its parent",
    () => {
      exploreAllModes({
        name: "spawnChild x3",
        setup: (ctx) => {
          // The runtime buffer (created here if it does not exist yet) is the shared memory.
          const { i32 } = deathEpochWord();
          ctx.track(i32.buffer as SharedArrayBuffer);
          return { i32, epoch: deathEpoch() };
        },
        threads: [0, 1, 2].map(() => () => {
          const child = spawnChild();
          return { identity: child.identity, alive: isThreadAlive(child.identity) };
        }),
        check: ({ i32, epoch }, results) => {
          const children = results as { identity: number; alive: boolean }[];
          expect(new Set(children.map((c) => c.identity)).size).toBe(3);
          for (const c of children) {
            expect(c.alive).toBe(true);
            // The slot holds the identity, and its parent word names the spawner (the root, 1).
            const slot = RUNTIME_WORDS.SLOTS + 2 * (c.identity & (SLOT_COUNT - 1));
            expect([Atomics.load(i32, slot), Atomics.load(i32, slot + 1)]).toEqual([c.identity, 1]);
          }
          expect(Atomics.load(i32, RUNTIME_WORDS.DEATH_EPOCH)).toBe(epoch);
        },
      });
    },
    MODEL_TIME,
  );
});

describe("thread-identity provider (setThreadIdentityProvider)", () => {
  it("the explorer gives each logical thread its own identity, and the real one outside", () => {
    const real = threadIdentity();
    const seen: number[][] = [];
    const report = explore({
      name: "identities",
      setup: () => {
        // Setup runs outside the logical threads: the real identity.
        expect(threadIdentity()).toBe(real);
        return { i32: new Int32Array(new SharedArrayBuffer(4)) };
      },
      threads: [0, 1, 2].map(() => ({ i32 }: { i32: Int32Array }) => {
        const before = threadIdentity();
        Atomics.add(i32, 0, 1); // a step: other threads may run here
        return [before, threadIdentity()];
      }),
      check: (_, results) => {
        expect(threadIdentity()).toBe(real);
        seen.push(...(results as number[][]));
      },
    });
    expect(report.failure).toBeUndefined();
    expect(report.schedules).toBe(6); // one step each: the 3! orders
    for (const [i, pair] of seen.entries()) {
      expect(pair).toEqual([LOGICAL_IDENTITY_BASE + (i % 3), LOGICAL_IDENTITY_BASE + (i % 3)]);
    }
    // Removed after the exploration: the cached real identity again.
    expect(threadIdentity()).toBe(real);
  });

  it("a provider that returns undefined falls back to the real identity; removal restores the cache", () => {
    const real = threadIdentity();
    let answer: number | undefined = 7;
    setThreadIdentityProvider(() => answer);
    try {
      expect(threadIdentity()).toBe(7);
      answer = 9;
      expect(threadIdentity()).toBe(9);
      answer = undefined;
      expect(threadIdentity()).toBe(real);
    } finally {
      setThreadIdentityProvider(undefined);
    }
    expect(threadIdentity()).toBe(real);
  });

  it("rejects a provider that is not a function", () => {
    expect(() => setThreadIdentityProvider(42 as never)).toThrow(TypeError);
    expect(() => setThreadIdentityProvider(42 as never)).toThrow(/must be a function or undefined/);
  });
});
