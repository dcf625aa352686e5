/**
 * The explorer finds the planted bugs of the issue, each with a schedule that
 * replays it exactly (and a seed, in the random modes), and passes the
 * corrected versions of the same code.
 */

import {
  type ExploreOptions,
  explore,
  type Model,
  pause,
  replay,
} from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { READ, tryPop, tryPush, WRITE } from "./planted/early-index-queue.js";
import { acquire, release } from "./planted/lost-notify-lock.js";
import { acquire as acquireForRacy, releaseRacy } from "./planted/racy-unlock.js";

interface LockState {
  readonly state: Int32Array;
  readonly data: Int32Array;
}

/** Two threads, each incrementing a plain counter under the lock `times` times. */
function lockModel(
  name: string,
  unlock: (state: Int32Array) => void,
  lock = acquire,
  times = 1,
): Model<LockState> {
  const body = ({ state, data }: LockState) => {
    for (let i = 0; i < times; i++) {
      lock(state);
      data[0] = data[0]! + 1; // plain read and write: both are steps
      unlock(state);
    }
  };
  return {
    name,
    setup: () => ({
      state: new Int32Array(new SharedArrayBuffer(4)),
      data: new Int32Array(new SharedArrayBuffer(4)),
    }),
    threads: [body, body],
    check: ({ data }) => {
      if (data[0] !== 2 * times) throw new Error(`counter is ${data[0]}, expected ${2 * times}`);
    },
  };
}

interface QueueState {
  readonly indices: Int32Array;
  readonly slots: Int32Array;
}

/** A producer pushes 1, 2, 3 into a ring of capacity 2; a consumer must pop exactly 1, 2, 3. */
function queueModel(indexFirst: boolean): Model<QueueState> {
  return {
    name: indexFirst ? "queue publishing the index first" : "queue publishing the payload first",
    setup: () => ({
      indices: new Int32Array(new SharedArrayBuffer(8)),
      slots: new Int32Array(new SharedArrayBuffer(8)),
    }),
    threads: [
      ({ indices, slots }) => {
        for (let v = 1; v <= 3; v++) {
          // Bounded retry: a full ring spins through yields (Atomics.pause).
          for (let tries = 0; !tryPush(indices, slots, v, indexFirst); tries++) {
            if (tries > 50) throw new Error("producer: ring stayed full");
            pause();
          }
        }
      },
      ({ indices, slots }) => {
        const seen: number[] = [];
        for (let tries = 0; seen.length < 3; tries++) {
          if (tries > 200) throw new Error("consumer: ring stayed empty");
          const value = tryPop(indices, slots);
          if (value === undefined) pause();
          else if (value !== seen.length + 1) {
            throw new Error(`consumer read ${value} as item ${seen.length + 1}`);
          } else seen.push(value);
        }
        return seen;
      },
    ],
    check: ({ indices }, results) => {
      expect(results[1]).toEqual([1, 2, 3]);
      expect([Atomics.load(indices, WRITE), Atomics.load(indices, READ)]).toEqual([3, 3]);
    },
  };
}

const exhaustive: ExploreOptions = { mode: "exhaustive", preemptionBound: 2 };

describe("planted: a release that skips its notify", () => {
  const buggy = lockModel("release without notify", (s) => release(s, false));
  it("is a deadlock in exhaustive mode, replayable from the printed schedule", () => {
    const { failure } = explore(buggy, exhaustive);
    expect(failure?.kind).toBe("deadlock");
    expect(failure!.message).toContain("every unfinished thread is blocked");
    expect(failure!.message).toContain(`replay(model, "${failure!.shrunk}")`);
    // The shrunk schedule replays the same failure, with its trace.
    const again = replay(buggy, failure!.shrunk);
    expect(again.failure?.kind).toBe("deadlock");
    expect(
      again.failure!.trace.some((s) => s.op.includes("Atomics.wait") && s.op.endsWith("blocks")),
    ).toBe(true);
    // So does the original schedule.
    expect(replay(buggy, failure!.schedule).failure?.kind).toBe("deadlock");
  });

  it("is found by random and PCT schedules, and the printed seed replays it", () => {
    for (const mode of ["random", "pct"] as const) {
      const { failure } = explore(buggy, { mode, seed: 7, schedules: 10_000 });
      expect(failure?.kind).toBe("deadlock");
      const seed = failure!.seed!;
      expect(failure!.message).toContain(`seed: ${seed}`);
      const again = explore(buggy, { mode, seed, schedules: 1 });
      expect(again.failure?.kind).toBe("deadlock");
      expect(again.failure!.schedule).toBe(failure!.schedule);
    }
  });

  it("is gone when the release notifies", () => {
    const report = explore(
      lockModel("futex lock", (s) => release(s, true), acquire, 2),
      exhaustive,
    );
    expect(report.failure).toBeUndefined();
    expect(report.complete).toBe(true);
    expect(report.schedules).toBeGreaterThan(10);
  });
});

describe("planted: an unlock that stores without a waiter check", () => {
  const buggy = lockModel("unlock by load + store", releaseRacy, acquireForRacy);
  it("loses a wake-up: deadlock, with a replayable schedule", () => {
    const { failure } = explore(buggy, exhaustive);
    expect(failure?.kind).toBe("deadlock");
    expect(replay(buggy, failure!.shrunk).failure?.kind).toBe("deadlock");
  });

  it("is found by PCT with a replayable seed", () => {
    const { failure } = explore(buggy, { mode: "pct", seed: 11, schedules: 20_000 });
    expect(failure?.kind).toBe("deadlock");
    expect(explore(buggy, { mode: "pct", seed: failure!.seed!, schedules: 1 }).failure?.kind).toBe(
      "deadlock",
    );
  });
});

describe("planted: a queue that publishes the index before the payload", () => {
  it("hands the consumer an unwritten slot", () => {
    const model = queueModel(true);
    const { failure } = explore(model, exhaustive);
    expect(failure?.kind).toBe("exception");
    expect(failure!.detail).toMatch(/consumer read \d+ as item \d+/);
    const again = replay(model, failure!.shrunk);
    expect(again.failure?.detail).toBe(failure!.detail);
  });

  it("is found by random schedules with a replayable seed", () => {
    const model = queueModel(true);
    const { failure } = explore(model, { mode: "random", seed: 3, schedules: 10_000 });
    expect(failure?.kind).toBe("exception");
    expect(
      explore(model, { mode: "random", seed: failure!.seed!, schedules: 1 }).failure?.detail,
    ).toBe(failure!.detail);
  });

  it("is correct when the payload is written first", () => {
    const report = explore(queueModel(false), exhaustive);
    expect(report.failure).toBeUndefined();
    expect(report.complete).toBe(true);
  });
});
