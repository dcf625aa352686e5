/**
 * Interleaving model of core's identity allocation (the real spawnChild on
 * the runtime buffer), run by the test-utils explorer: exhaustive at
 * preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 * Exits are not modelled: recordExit scans all 4096 slots (thousands of steps).
 */
import { exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { isThreadAlive } from "../../src/index.js";
import {
  deathEpoch,
  deathEpochWord,
  RUNTIME_WORDS,
  SLOT_COUNT,
  spawnChild,
} from "../../src/internal.js";

/** Models run thousands of schedules synchronously: give each its own bound. */
const MODEL_TIME = 180_000;

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
