import { runInWorkers, startWorker, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { canBlock, notify, waitSync } from "../src/index.js";
import { SPIN_BACKOFF_CAP, setWaitStrategy, spinWait, waitSyncSpin } from "../src/internal.js";
import { cells, scenarios, wakeUntil } from "./helpers.js";
import { ARRIVED, CELL, type Outcome, RETURNED, SPARE } from "./scenarios/wait.scenario.js";

const BOUND = 20_000;

describe.each(["block", "spin"] as const)("waitSync (%s) in real workers", (sync) => {
  it('returns "ok" when another worker stores and notifies', async () => {
    const { buffer } = cells();
    const [waiter, notifier] = await withTimeLimit(
      Promise.all([
        startWorker<Outcome>(scenarios, "waitSyncOnce", { args: [buffer, CELL, 0, 10_000, sync] })
          .result,
        startWorker<number>(scenarios, "storeAndNotify", { args: [buffer, 1, 50, 1, undefined] })
          .result,
      ]),
      BOUND,
      "waiter and notifier",
    );
    expect(waiter.result).toBe("ok");
    // A blocking waiter is a real Atomics waiter, so notify counted it; a spinner is not.
    if (sync === "block") expect(notifier).toBeLessThanOrEqual(1);
  });

  it('returns "not-equal" at once when the value differs', async () => {
    const { buffer } = cells();
    const [outcome] = await runInWorkers<Outcome>(scenarios, "waitSyncOnce", {
      args: [buffer, SPARE, 0, undefined, sync],
      timeoutMs: BOUND,
    });
    expect(outcome?.result).toBe("not-equal");
  });

  it('returns "timed-out" after at least the timeout', async () => {
    const { buffer } = cells();
    const [outcome] = await runInWorkers<Outcome>(scenarios, "waitSyncOnce", {
      args: [buffer, CELL, 0, 150, sync],
      timeoutMs: BOUND,
    });
    expect(outcome?.result).toBe("timed-out");
    expect(outcome?.elapsedMs).toBeGreaterThanOrEqual(149);
  });

  it('returns "timed-out" for timeout 0 without waiting', async () => {
    const { buffer } = cells();
    const [outcome] = await runInWorkers<Outcome>(scenarios, "waitSyncOnce", {
      args: [buffer, CELL, 0, 0, sync],
      timeoutMs: BOUND,
    });
    expect(outcome?.result).toBe("timed-out");
  });
});

describe("notify count semantics (blocking waiters in 3 workers)", () => {
  it("notify(1) wakes exactly one waiter; notify() wakes the rest and returns how many", async () => {
    const { buffer, i32 } = cells();
    const waiters = [0, 1, 2].map((index) =>
      startWorker<Outcome>(scenarios, "waitSyncOnce", {
        index,
        workers: 3,
        args: [buffer, CELL, 0, BOUND, "block"],
      }),
    );
    try {
      await withTimeLimit(
        (async () => {
          // The value never changes: only real notifies can wake these waiters.
          const first = await wakeUntil(() => notify(i32, CELL, 1), 1, 10_000);
          expect(first).toEqual([1]);
          const woken = await Promise.race(waiters.map((w) => w.result.then(() => w.index)));
          expect(typeof woken).toBe("number");
          // Give a wrongly woken second waiter time to show up.
          await new Promise((r) => setTimeout(r, 100));
          expect(Atomics.load(i32, RETURNED)).toBe(1);
          const rest = await wakeUntil(() => notify(i32, CELL), 2, 10_000);
          expect(rest.reduce((a, b) => a + b, 0)).toBe(2);
          const outcomes = await Promise.all(waiters.map((w) => w.result));
          expect(outcomes.map((o) => o.result)).toEqual(["ok", "ok", "ok"]);
          expect(Atomics.load(i32, ARRIVED)).toBe(3);
          expect(Atomics.load(i32, RETURNED)).toBe(3);
        })(),
        BOUND,
        "notify count scenario",
      );
    } finally {
      await Promise.all(waiters.map((w) => w.terminate()));
    }
  });

  it("notify returns 0 when nobody waits, and notify(0) wakes nobody", () => {
    const { i32 } = cells();
    expect(notify(i32, CELL)).toBe(0);
    expect(notify(i32, CELL, 0)).toBe(0);
    expect(notify(i32, CELL, Number.POSITIVE_INFINITY)).toBe(0);
  });
});

describe("waitSync on this (Node main) thread", () => {
  it("canBlock() is true in Node and cached", () => {
    expect(canBlock()).toBe(true);
    expect(canBlock()).toBe(true);
  });

  it("returns not-equal for another value and times out after the timeout when nobody notifies, blocking or spinning", () => {
    const { i32 } = cells();
    for (const sync of ["block", "spin"] as const) {
      const previous = setWaitStrategy({ sync });
      try {
        expect(waitSync(i32, SPARE, 0)).toBe("not-equal");
        expect(waitSync(i32, CELL, 0, 0)).toBe("timed-out");
        const start = performance.now();
        expect(waitSync(i32, CELL, 0, 30)).toBe("timed-out");
        expect(performance.now() - start).toBeGreaterThanOrEqual(29);
      } finally {
        setWaitStrategy(previous);
      }
    }
  });

  it("accepts uint32-style expected values (x >>> 0) as Atomics.wait does", () => {
    const { i32 } = cells();
    Atomics.store(i32, CELL, -1);
    expect(waitSync(i32, CELL, 0xffffffff, 0)).toBe("timed-out");
    expect(waitSyncSpin(i32, CELL, -1, 0)).toBe("timed-out");
  });

  it("spinWait pauses 2^iteration times, capped at 2^SPIN_BACKOFF_CAP for any iteration count", () => {
    const original = Object.getOwnPropertyDescriptor(Atomics, "pause");
    let pauses = 0;
    Object.defineProperty(Atomics, "pause", {
      value: () => {
        pauses++;
      },
      configurable: true,
      writable: true,
    });
    const counted = (iteration: number): number => {
      pauses = 0;
      spinWait(iteration);
      return pauses;
    };
    try {
      expect([0, 1, 2, 5].map(counted)).toEqual([1, 2, 4, 32]);
      const cap = 2 ** SPIN_BACKOFF_CAP;
      const large = [SPIN_BACKOFF_CAP, 50, 1e9, Number.POSITIVE_INFINITY, Number.NaN];
      expect(large.map(counted)).toEqual(large.map(() => cap));
      // Below zero: the smallest backoff.
      expect([-3, Number.NEGATIVE_INFINITY].map(counted)).toEqual([1, 1]);
    } finally {
      if (original === undefined) delete (Atomics as { pause?: unknown }).pause;
      else Object.defineProperty(Atomics, "pause", original);
    }
    // Without a pause instruction the fallback loop returns for every count too.
    if (original === undefined) {
      for (const iteration of [0, 5, 1e9, -3, Number.NaN]) spinWait(iteration);
    }
  });
});
