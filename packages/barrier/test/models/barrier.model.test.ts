/**
 * Interleaving model of Barrier (its real code), run by the test-utils
 * explorer: exhaustive at preemption bound 2, then random and PCT schedules
 * (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for 10^5 each).
 */
import { exploreAllModes } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { Barrier } from "../../src/index.js";

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

describe("Barrier model", () => {
  it(
    "3 parties, 2 rounds: distinct arrival indices per round, nobody left behind",
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
});
