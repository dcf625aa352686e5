/**
 * The explorer's own semantics: the Atomics.wait/notify model, timeouts as a
 * scheduler choice, yields, failure kinds, exact schedule counts, replay,
 * and the misuse it reports.
 */

import {
  awaitAsyncWait,
  decodeSchedule,
  ExplorationFailure,
  ExplorerUsageError,
  encodeSchedule,
  explore,
  logicalIdentity,
  logicalThread,
  type Model,
  pause,
  replay,
  verify,
} from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";

const i32Setup = (words = 4) => ({ i32: new Int32Array(new SharedArrayBuffer(words * 4)) });
type S = ReturnType<typeof i32Setup>;

describe("schedule counts", () => {
  // Two threads of n atomic steps: C(2n, n) interleavings in all; with at
  // most b preemptions, those with at most b+1 context switches.
  it.each([
    [1, 0, 2],
    [2, 0, 2],
    [2, 1, 4],
    [3, 2, 14],
    [3, 9, 20],
  ])("2 threads x %i steps at bound %i: %i schedules", (n, bound, expected) => {
    const body = ({ i32 }: S) => {
      for (let i = 0; i < n; i++) Atomics.add(i32, 0, 1);
    };
    const report = explore(
      { setup: () => i32Setup(), threads: [body, body] },
      { preemptionBound: bound },
    );
    expect(report.complete).toBe(true);
    expect(report.schedules).toBe(expected);
    expect(report.maxSteps).toBe(2 * n);
  });
});

describe("Atomics.wait / notify model", () => {
  it("notify wakes the oldest waiter first, and only `count` of them", () => {
    const waiter = ({ i32 }: S) => {
      // Takes a ticket, then blocks (no preemption at bound 0: nothing runs in between).
      const ticket = Atomics.add(i32, 1, 1);
      const result = Atomics.wait(i32, 0, 0);
      // The first thread to wake records its ticket + 1.
      Atomics.compareExchange(i32, 3, 0, ticket + 1);
      return result;
    };
    const model: Model<S> = {
      setup: () => i32Setup(),
      threads: [
        waiter,
        waiter,
        ({ i32 }) => {
          while (Atomics.load(i32, 1) < 2) pause(); // both queued
          const first = Atomics.notify(i32, 0, 1);
          while (Atomics.load(i32, 3) === 0) pause(); // the woken one recorded
          return [first, Atomics.notify(i32, 0, 5), Atomics.notify(i32, 0)];
        },
      ],
      check: ({ i32 }, results) => {
        expect(Atomics.load(i32, 3)).toBe(1); // ticket 0 woke first
        expect(results).toEqual(["ok", "ok", [1, 1, 0]]);
      },
    };
    const report = verify(model, { preemptionBound: 0 });
    expect(report.complete).toBe(true);
    expect(report.schedules).toBeGreaterThanOrEqual(2);
  });

  it("a notify before the wait is lost when the value is unchanged: deadlock", () => {
    const model: Model<S> = {
      name: "notify then wait",
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => void Atomics.wait(i32, 0, 0),
        ({ i32 }) => void Atomics.notify(i32, 0),
      ],
    };
    const report = explore(model);
    expect(report.failure?.kind).toBe("deadlock");
    expect(report.failure!.detail).toContain("thread 0 waits on 0:0");
  });

  it("returns not-equal when the value changed, and timed-out for timeout 0", () => {
    const report = verify({
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => {
          Atomics.store(i32, 0, 5);
          return [Atomics.wait(i32, 0, 4), Atomics.wait(i32, 0, 5, 0)];
        },
      ],
      check: (_, results) => expect(results[0]).toEqual(["not-equal", "timed-out"]),
    });
    expect(report.schedules).toBe(1);
  });

  it("a finite timeout is a scheduler choice: the waiter times out at a virtual deadline", () => {
    const outcomes = new Set<string>();
    const model: Model<S> = {
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => {
          const start = performance.now();
          const result = Atomics.wait(i32, 0, 0, 30);
          return `${result}@${performance.now() - start}`;
        },
        ({ i32 }) => {
          Atomics.store(i32, 0, 1);
          Atomics.notify(i32, 0);
        },
      ],
      check: (_, results) => void outcomes.add(results[0] as string),
    };
    expect(explore(model).failure).toBeUndefined();
    // Woken, compared after the store, or timed out exactly at its 30 ms deadline.
    expect([...outcomes].sort()).toEqual(["not-equal@0", "ok@0", "timed-out@30"]);
    // With timeouts only when stuck, the waiter never times out here.
    outcomes.clear();
    expect(explore(model, { timeouts: "when-stuck" }).failure).toBeUndefined();
    expect([...outcomes].sort()).toEqual(["not-equal@0", "ok@0"]);
  });

  it("checks arguments like Atomics.wait: bad index is a RangeError thrown in the thread", () => {
    const { failure } = explore({
      setup: () => i32Setup(1),
      threads: [({ i32 }) => void Atomics.wait(i32, 7, 0, 0)],
    });
    expect(failure?.kind).toBe("exception");
    expect(failure!.cause).toBeInstanceOf(RangeError);
  });
});

describe("failure kinds", () => {
  it("livelock: a schedule longer than maxSteps", () => {
    const { failure } = explore(
      {
        setup: () => i32Setup(),
        threads: [
          ({ i32 }) => {
            while (Atomics.load(i32, 0) === 0) {} // spins without a yield, for ever
          },
        ],
      },
      { maxSteps: 500 },
    );
    expect(failure?.kind).toBe("livelock");
    expect(failure!.detail).toContain("500 steps");
  });

  it("final-state: check sees the memory and the threads' results", () => {
    const { failure } = explore({
      setup: () => i32Setup(),
      threads: [({ i32 }) => Atomics.add(i32, 0, 1) + 100],
      check: (_, results) => {
        throw new Error(`results ${JSON.stringify(results)}`);
      },
    });
    expect(failure?.kind).toBe("final-state");
    expect(failure!.detail).toBe("check threw Error: results [100]");
    expect(failure).toBeInstanceOf(ExplorationFailure);
  });

  it("verify throws the failure", () => {
    expect(() =>
      verify({
        setup: () => i32Setup(),
        threads: [
          () => {
            throw new TypeError("boom");
          },
        ],
      }),
    ).toThrow(/exception in schedule 1: thread 0 threw TypeError: boom/);
  });
});

describe("yields and identities", () => {
  it("a spin loop with Atomics.pause lets the other thread run, without preemptions", () => {
    const report = verify(
      {
        setup: () => i32Setup(),
        threads: [
          ({ i32 }) => {
            while (Atomics.load(i32, 0) === 0) pause();
          },
          ({ i32 }) => void Atomics.store(i32, 0, 1),
        ],
      },
      { preemptionBound: 0 },
    );
    expect(report.complete).toBe(true);
  });

  it("gives each logical thread its index and identity", () => {
    const seen: unknown[] = [];
    verify(
      {
        setup: () => i32Setup(),
        threads: [0, 1, 2].map(() => ({ i32 }: S, ctx) => {
          Atomics.add(i32, 0, 1);
          return [ctx.index, ctx.threads, logicalThread(), logicalIdentity()];
        }),
        check: (_, results) => void seen.push(...results),
      },
      { preemptionBound: 0, schedules: 1 },
    );
    expect(seen).toEqual([0, 1, 2].map((i) => [i, 3, i, 2 ** 30 + 0x1000 + i]));
    expect(logicalThread()).toBeUndefined();
  });

  it("restores the real globals afterwards", () => {
    const atomics = globalThis.Atomics;
    const int32 = globalThis.Int32Array;
    explore({ setup: () => i32Setup(), threads: [({ i32 }) => void Atomics.add(i32, 0, 1)] });
    expect(globalThis.Atomics).toBe(atomics);
    expect(globalThis.Int32Array).toBe(int32);
    expect(Object.hasOwn(performance, "now")).toBe(false);
  });
});

describe("misuse is reported", () => {
  it("a nondeterministic thread", () => {
    let calls = 0;
    const model: Model<S> = {
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => {
          calls++;
          Atomics.add(i32, calls % 2, 1);
          Atomics.add(i32, 2, 1);
        },
        // Two operations: thread 0 can run nested above thread 1 and be
        // unwound when thread 1 continues, so thread 0 re-executes.
        ({ i32 }) => {
          Atomics.add(i32, 2, 1);
          Atomics.add(i32, 2, 1);
        },
      ],
    };
    expect(() => explore(model)).toThrow(ExplorerUsageError);
    expect(() => explore(model)).toThrow(/not deterministic/);
  });

  it("a thread that swallows the suspension", () => {
    const model: Model<S> = {
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => {
          try {
            Atomics.add(i32, 0, 1);
            Atomics.add(i32, 0, 1);
          } catch {
            // swallows everything
          }
        },
        ({ i32 }) => {
          Atomics.add(i32, 0, 1);
          Atomics.add(i32, 0, 1);
        },
      ],
    };
    expect(() => explore(model)).toThrow(/caught the explorer's suspension/);
  });

  it("a blocking wait on memory the explorer does not track", () => {
    const outside = new Int32Array(new SharedArrayBuffer(4));
    expect(() =>
      explore({ setup: () => i32Setup(), threads: [() => void Atomics.wait(outside, 0, 0, 10)] }),
    ).toThrow(/does not track/);
  });

  it("bad options and models", () => {
    const model: Model<S> = { setup: () => i32Setup(), threads: [() => undefined] };
    expect(() => explore(model, { mode: "dfs" as never })).toThrow(RangeError);
    expect(() => explore(model, { schedules: 0 })).toThrow(RangeError);
    expect(() => explore(model, { preemptionBound: -1 })).toThrow(RangeError);
    expect(() => explore({ setup: () => 0, threads: [] })).toThrow(RangeError);
    expect(() => explore({ setup: () => 0, threads: [1 as never] })).toThrow(TypeError);
    expect(() => replay(model, "0*x")).toThrow(RangeError);
  });
});

describe("schedule encoding", () => {
  it("round-trips", () => {
    const steps = [0, 0, 0, 1, 1, 0, 2];
    expect(encodeSchedule(steps)).toBe("0*3 1*2 0 2");
    expect(decodeSchedule("0*3 1*2 0 2")).toEqual(steps);
  });
});

/** `Atomics.waitAsync` (typed: TypeScript's lib here has no waitAsync), looked up at each call. */
const atomicsWaitAsync = (i32: Int32Array, index: number, value: number, timeout?: number) =>
  (Atomics as unknown as { waitAsync: (...args: unknown[]) => unknown }).waitAsync(
    i32,
    index,
    value,
    timeout,
  );

describe("Atomics.waitAsync (awaited with awaitAsyncWait)", () => {
  /** Thread 0 awaits an async wait on word 0 (if still 0); thread 1 stores 1 then notifies (or not). */
  const handshake = (notifies: boolean, timeout?: number): Model<S> => ({
    name: `waitAsync handshake${notifies ? "" : " without notify"}`,
    setup: () => i32Setup(),
    threads: [
      ({ i32 }) => awaitAsyncWait(() => atomicsWaitAsync(i32, 0, 0, timeout)),
      ({ i32 }) => {
        Atomics.store(i32, 0, 1);
        return notifies ? Atomics.notify(i32, 0) : 0;
      },
    ],
    check: (_, [result, woken]) => {
      if (timeout === undefined) expect(["ok", "not-equal"]).toContain(result);
      else expect(["timed-out", "not-equal"]).toContain(result);
      // A notify counts the async waiter exactly when it was registered and not yet woken.
      if (notifies) expect(woken).toBe(result === "ok" ? 1 : 0);
    },
  });

  it("a notify settles the awaited wait: every schedule ends ok or not-equal, counted by notify", () => {
    const report = verify(handshake(true));
    expect(report.complete).toBe(true);
    // Thread 0: waitAsync + await; thread 1: store + notify: C(4, 2) interleavings.
    expect(report.schedules).toBe(6);
  });

  it("a missing notify is a deadlock (the awaiting thread is never woken)", () => {
    const report = explore(handshake(false));
    expect(report.failure?.kind).toBe("deadlock");
    expect(report.failure?.trace.some((s) => s.op.includes("Atomics.waitAsync"))).toBe(true);
    // The printed schedule replays it.
    expect(replay(handshake(false), report.failure!.schedule).failure?.kind).toBe("deadlock");
  });

  it("a finite timeout settles it as timed-out when nothing notifies", () => {
    const report = verify(handshake(false, 5), { mode: "random", schedules: 50, seed: 1 });
    expect(report.complete).toBe(true);
  });

  it("async and blocking waiters share one FIFO queue: notify(1) wakes the oldest", () => {
    const report = verify<S>({
      name: "FIFO async then sync",
      setup: () => i32Setup(),
      threads: [
        ({ i32 }) => {
          // Registers first (word 1 tells the others), then awaits.
          const result = awaitAsyncWait(() => {
            const started = atomicsWaitAsync(i32, 0, 0);
            Atomics.store(i32, 1, 1);
            return started;
          });
          return result;
        },
        ({ i32 }) => {
          while (Atomics.load(i32, 1) === 0) pause();
          Atomics.wait(i32, 0, 0); // queued behind the async waiter
          return "sync woken";
        },
        ({ i32 }) => {
          while (Atomics.load(i32, 1) === 0) pause();
          // Wait until thread 1 is queued too (2 waiters), then wake one at a time.
          let first = 0;
          for (let tries = 0; first === 0 && tries < 100; tries++) {
            first = Atomics.notify(i32, 0, 1);
            if (first === 0) pause();
          }
          // The first notify found the async waiter (the oldest); wake the other.
          let second = 0;
          for (let tries = 0; second === 0 && tries < 100; tries++) {
            second = Atomics.notify(i32, 0, 1);
            if (second === 0) pause();
          }
          return [first, second];
        },
      ],
      check: (_, results) => {
        expect(results).toEqual(["ok", "sync woken", [1, 1]]);
      },
    });
    expect(report.complete).toBe(true);
  });

  it("awaitAsyncWait outside a logical thread, or without a waitAsync, is a usage error", () => {
    expect(() => awaitAsyncWait(() => undefined)).toThrow(ExplorerUsageError);
    expect(() =>
      explore({ setup: () => i32Setup(), threads: [() => awaitAsyncWait(() => undefined)] }),
    ).toThrow(/did not call Atomics.waitAsync/);
  });
});
