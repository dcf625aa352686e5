import {
  AbortError,
  ClosedError,
  FullError,
  InvalidHandleError,
  SabkitError,
  TimeoutError,
  WorkerCrashedError,
} from "@sabkit/core";
import { scaled, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, test } from "vitest";
import { Pool } from "../src/index.js";
import { createSlot, SEQ_RANGE, SLOT_KIND, slotFrom } from "../src/internal.js";
import { T, TASKS, type Tasks, withPool } from "./fixtures/with-pool.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("results", () => {
  test(
    "map resolves to each item's result in input order (square over range(10))",
    async () => {
      await using pool = new Pool<Tasks>(TASKS, { processes: 2 });
      expect(await pool.map("square", range(10))).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    },
    T,
  );

  test(
    "a synchronous loop of 20,000 apply calls sends tasks before it ends; every result is exact",
    async () => {
      await withPool({}, async (pool) => {
        const n = 20_000;
        const promises: Promise<number>[] = [];
        for (let i = 0; i < n; i++) promises.push(pool.apply("square", [i]));
        // Without the eager flush every task would still wait in the parent here.
        const { queued, inFlight, completed } = pool.stats();
        expect(queued).toBeLessThan(n);
        expect(queued + inFlight + completed).toBe(n);
        expect(await Promise.all(promises)).toEqual(range(n).map((x) => x * x));
        expect(pool.stats().completed).toBe(n);
      });
    },
    T,
  );

  test(
    "an argument getter that calls apply 1,100 times while its task is being sent: every task settles exactly",
    async () => {
      await withPool({}, async (pool) => {
        const inner: Promise<number>[] = [];
        const arg = {
          get x() {
            // Runs while the pool encodes this task (inside its flush), once.
            if (inner.length === 0)
              for (let i = 0; i < 1100; i++) inner.push(pool.apply("square", [i]));
            return 7;
          },
        };
        const outer = pool.apply("echo", [arg]);
        expect(await withTimeLimit(outer, 20_000, "the outer task")).toEqual({ x: 7 });
        expect(await withTimeLimit(Promise.all(inner), 20_000, "the inner tasks")).toEqual(
          range(1100).map((x) => x * x),
        );
      });
    },
    T,
  );

  test(
    "every call returns exact results in input order, at any chunksize, NaN, -0 and mixed chunks included",
    async () => {
      await withPool({}, async (pool) => {
        expect(await pool.apply("add", [40, 2])).toBe(42);
        const future = pool.submit("add", [1, 2]);
        expect(await future).toBe(3);
        expect(future.done()).toBe(true);
        expect(future.cancel()).toBe(false);
        expect(
          await pool.starmap("add", [
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ).toEqual([3, 7, 11]);
        const n = scaled(5000);
        for (const chunksize of [1, 7, 1000, undefined]) {
          expect(await pool.map("square", range(n), { chunksize })).toEqual(
            range(n).map((x) => x * x),
          );
        }
        expect(await pool.map("square", [])).toEqual([]);
        // Chunks of numbers travel as Float64Arrays: NaN, -0 and Infinity come back exactly; mixed chunks as values.
        const special = [Number.NaN, -0, Number.POSITIVE_INFINITY, 1.5, ...range(20)];
        expect(await pool.map("square", special, { chunksize: 24 })).toEqual(
          special.map((x) => x * x),
        );
        // A chunk whose results stop being numbers midway; a non-array iterable.
        expect(await pool.map("numberThenText", range(30), { chunksize: 30 })).toEqual(
          range(30).map((x) => (x < 15 ? x * 2 : `#${x}`)),
        );
        expect(await pool.map("square", new Set(range(20)))).toEqual(range(20).map((x) => x * x));
        expect(
          await pool.starmap("add", [
            [-0, -0],
            ...range(20).map((i) => [i, 0] as [number, number]),
          ]),
        ).toEqual([-0, ...range(20)]);
        const many = await Promise.all(range(scaled(20_000)).map((i) => pool.apply("square", [i])));
        expect(many).toEqual(range(scaled(20_000)).map((x) => x * x));
        const stats = pool.stats();
        expect(stats.inFlight).toBe(0);
        expect(stats.queued).toBe(0);
        expect(stats.workers).toHaveLength(2);
      });
    },
    T,
  );

  test(
    "imap keeps input order over 100k items, streaming",
    async () => {
      await withPool({}, async (pool) => {
        const n = scaled(100_000);
        let expected = 0;
        for await (const value of pool.imap("square", range(n), { chunksize: 16 })) {
          expect(value).toBe(expected * expected);
          expected++;
        }
        expect(expected).toBe(n);
        let i = 0;
        for await (const value of pool.imap("square", range(scaled(2000)))) {
          if (value !== i * i) throw new Error(`imap chunksize 1: item ${i} is ${value}`);
          i++;
        }
        expect(i).toBe(scaled(2000));
      });
    },
    T,
  );

  test(
    "imapUnordered yields every result exactly once",
    async () => {
      await withPool({}, async (pool) => {
        const n = scaled(20_000);
        const seen: number[] = [];
        for await (const value of pool.imapUnordered("square", range(n), { chunksize: 8 }))
          seen.push(value);
        expect(seen).toHaveLength(n);
        expect(seen.sort((a, b) => a - b)).toEqual(range(n).map((x) => x * x));
      });
    },
    T,
  );

  test(
    "imap over an infinite generator stops early and reads a bounded number ahead",
    async () => {
      await withPool({}, async (pool) => {
        let pulled = 0;
        function* naturals(): Generator<number> {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        }
        const taken: number[] = [];
        for await (const value of pool.imap("square", naturals(), { chunksize: 4 })) {
          taken.push(value);
          if (taken.length === 1000) break;
        }
        expect(taken).toEqual(range(1000).map((x) => x * x));
        // Bounded look-ahead: the input is not drained (ahead = max(4 * processes, 1024 / chunksize) chunks).
        expect(pulled).toBeLessThanOrEqual(1000 + 256 * 4 + 8);
        // The pool is still usable, nothing is left in flight after the cancellation settles.
        expect(await pool.apply("add", [1, 1])).toBe(2);
      });
    },
    T,
  );

  test(
    "a task's promise is awaited before its result is sent, and imap reads an async iterable to its end in order",
    async () => {
      await withPool({}, async (pool) => {
        async function* source(): AsyncGenerator<number> {
          for (let i = 0; i < 50; i++) yield i;
        }
        const out: number[] = [];
        for await (const v of pool.imap("square", source(), { chunksize: 3 })) out.push(v);
        expect(out).toEqual(range(50).map((x) => x * x));
        expect(
          await pool.starmap(
            "slowSquare",
            range(10).map((i) => [i, 5] as [number, number]),
          ),
        ).toEqual(range(10).map((x) => x * x));
      });
    },
    T,
  );
});

describe("errors", () => {
  test(
    "a thrown TypeError comes back as a TypeError with message and the worker's stack",
    async () => {
      await withPool({}, async (pool) => {
        const error = await pool.apply("throwType", ["bad value"]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe("bad value");
        expect((error as Error).stack).toContain("throwType");
        expect((error as Error).stack).toContain("tasks.ts");
        const custom = await pool.apply("throwCustom", ["mine"]).catch((e: unknown) => e);
        expect(custom).toBeInstanceOf(Error);
        expect((custom as Error).name).toBe("CustomError");
        expect((custom as Error).message).toBe("mine");
        // map rejects with the first error; the pool keeps working.
        await expect(pool.map("throwType", ["x", "y"])).rejects.toThrow(TypeError);
        expect(await pool.apply("add", [2, 2])).toBe(4);
      });
    },
    T,
  );

  test(
    "an error the results queue cannot carry whole still rejects (class, message cut), never resolves",
    async () => {
      await withPool({}, async (pool) => {
        const withBuffer = await pool.apply("throwWithBuffer", ["has a buffer"]).then(
          (value) => ({ resolved: value }),
          (e: unknown) => e,
        );
        expect(withBuffer).toBeInstanceOf(RangeError);
        expect((withBuffer as Error).message).toBe("has a buffer");
        const huge = await pool.apply("throwHuge", []).then(
          (value) => ({ resolved: value }),
          (e: unknown) => e,
        );
        expect(huge).toBeInstanceOf(TypeError);
        expect((huge as Error).message).toBe(`${"x".repeat(64 * 1024)}… (cut)`);
        const stats = pool.stats();
        expect(stats.failed).toBe(2);
        expect(stats.completed).toBe(0);
      });
    },
    T,
  );

  test(
    "a bad call rejects only itself (TypeError for a wrong type or an unknown task, RangeError for a bad number); the pool keeps serving",
    async () => {
      await withPool({}, async (pool) => {
        const untyped = pool as unknown as Pool;
        await expect(untyped.apply("noSuchTask", [])).rejects.toThrow(/not an exported function/);
        await expect(untyped.apply("noSuchTask", [])).rejects.toBeInstanceOf(TypeError);
        const good = pool.apply("add", [1, 2]);
        const bad = untyped.apply("add", [() => 1, 2]);
        const alsoGood = pool.apply("add", [3, 4]);
        await expect(bad).rejects.toBeInstanceOf(TypeError);
        expect(await good).toBe(3);
        expect(await alsoGood).toBe(7);
        await expect(pool.apply("returnFunction", [])).rejects.toBeInstanceOf(TypeError);
        await expect(untyped.apply("", [])).rejects.toBeInstanceOf(TypeError);
        await expect(untyped.apply("add", 5 as never)).rejects.toBeInstanceOf(TypeError);
        await expect(pool.apply("add", [1, 2], { timeout: -1 })).rejects.toBeInstanceOf(RangeError);
        await expect(pool.apply("add", [1, 2], { timeout: Number.NaN })).rejects.toBeInstanceOf(
          RangeError,
        );
        await expect(pool.map("square", [1], { chunksize: 0 })).rejects.toBeInstanceOf(RangeError);
        await expect(pool.map("square", 5 as never)).rejects.toBeInstanceOf(TypeError);
        expect(await pool.apply("add", [5, 5])).toBe(10);
      });
      expect(() => new Pool(TASKS, { processes: 0 })).toThrow(RangeError);
      expect(() => new Pool(TASKS, { processes: 1.5 })).toThrow(RangeError);
      expect(() => new Pool("./relative.js")).toThrow(TypeError);
      expect(() => new Pool(TASKS, { initializer: 3 as never })).toThrow(TypeError);
      expect(() => new Pool(TASKS, { workerUrl: "./worker.js" })).toThrow(/options\.workerUrl/);
    },
    T,
  );

  test(
    "after close() a new task rejects with ClosedError while the tasks submitted before it finish",
    async () => {
      const pool = new Pool<Tasks>(TASKS, { processes: 2 });
      const before = pool.map("square", range(100));
      pool.close();
      await expect(pool.apply("add", [1, 1])).rejects.toBeInstanceOf(ClosedError);
      expect(await before).toEqual(range(100).map((x) => x * x));
      await pool.join({ timeout: 20_000 });
      expect(pool.stats().workers).toHaveLength(0);
    },
    T,
  );

  test(
    "terminate rejects unfinished tasks with ClosedError",
    async () => {
      const pool = new Pool<Tasks>(TASKS, { processes: 1 });
      const running = pool.apply("stubborn", [5000]);
      const queued = pool.apply("add", [1, 1]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      pool.terminate();
      await expect(running).rejects.toBeInstanceOf(ClosedError);
      await expect(queued).rejects.toBeInstanceOf(ClosedError);
      // Every submitted task is counted once: the two terminate() rejected as cancelled.
      const stats = pool.stats();
      expect(stats.cancelled).toBe(2);
      expect(stats.completed + stats.failed + stats.crashed).toBe(0);
      await pool.join({ timeout: 20_000 });
    },
    T,
  );

  test(
    "a task beyond maxQueue rejects with FullError, and room() resolves once the tasks waiting in the parent are fewer",
    async () => {
      await withPool({ processes: 1, maxQueue: 3 }, async (pool) => {
        // The first flush sends records to the worker; make them wait in the parent with a busy worker.
        const blocker = pool.apply("stubborn", [300]);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const queued = [pool.apply("add", [1, 0])];
        // Records leave the parent in a microtask flush; fill synchronously.
        const extra = [pool.apply("add", [2, 0]), pool.apply("add", [3, 0])];
        const over = pool.apply("add", [4, 0]);
        await expect(over).rejects.toBeInstanceOf(FullError);
        await pool.room({ timeout: 20_000 });
        expect(await Promise.all([...queued, ...extra])).toEqual([1, 2, 3]);
        expect(await blocker).toBe("finished");
      });
    },
    T,
  );
});

describe("crash recovery", () => {
  for (const kind of ["exit", "async-throw", "unhandled", "oom"] as const) {
    test(
      `a worker that dies (${kind}) rejects only its own task; every other task completes once`,
      async () => {
        await withPool(
          { resourceLimits: kind === "oom" ? { maxOldGenerationSizeMb: 32 } : undefined },
          async (pool) => {
            const n = scaled(400);
            const normal = range(n).map((i) => pool.apply("add", [i, 1000]));
            const crashing = pool.apply("crash", [kind]);
            const after = range(n).map((i) => pool.apply("slowSquare", [i, 0]));
            const error = await crashing.catch((e: unknown) => e);
            expect(error).toBeInstanceOf(WorkerCrashedError);
            if (kind === "exit") expect((error as WorkerCrashedError).exitCode).toBe(3);
            else expect((error as WorkerCrashedError).exitCode).not.toBe(0);
            expect(await Promise.all(normal)).toEqual(range(n).map((i) => i + 1000));
            expect(await Promise.all(after)).toEqual(range(n).map((i) => i * i));
            const stats = pool.stats();
            expect(stats.crashed).toBe(1);
            expect(stats.completed).toBe(2 * n);
            expect(stats.workersStarted).toBe(3);
            expect(stats.workers).toHaveLength(2);
          },
        );
      },
      T,
    );
  }

  test(
    "a worker that keeps crashing trips the breaker instead of respawning forever",
    async () => {
      const pool = new Pool<Tasks>(TASKS, { processes: 2, initializer: "failInit", maxCrashes: 4 });
      try {
        const error = await withTimeLimit(
          pool.apply("add", [1, 2]).catch((e: unknown) => e),
          40_000,
          "breaker",
        );
        expect(error).toBeInstanceOf(SabkitError);
        expect((error as Error).message).toMatch(/pool is broken/);
        expect(pool.brokenError).toBeInstanceOf(SabkitError);
        expect(pool.stats().workersStarted).toBeLessThanOrEqual(4 + 1);
        await expect(pool.apply("add", [1, 2])).rejects.toBe(pool.brokenError);
      } finally {
        pool.terminate();
        await pool.join({ timeout: 10_000 });
      }
    },
    T,
  );
});

describe("a task module that creates a Pool at its top level (no isMainProcess() guard)", () => {
  test(
    "is refused in every worker: the pool breaks with that error instead of starting workers without end",
    async () => {
      const pool = new Pool(new URL("./fixtures/runaway.ts", import.meta.url), {
        processes: 1,
        maxCrashes: 2,
      });
      try {
        const error = await withTimeLimit(
          pool.apply("square", [3]).catch((e: unknown) => e),
          40_000,
          "the refused pool",
        );
        expect(error).toBeInstanceOf(SabkitError);
        expect((error as Error).message).toMatch(/pool is broken/);
        expect((error as Error).message).toContain(
          "new Pool() was called while this worker was still importing its module",
        );
        // Each worker failed on its own import; none started a worker of its own.
        expect(pool.stats().workersStarted).toBe(2);
      } finally {
        pool.terminate();
        await pool.join({ timeout: 10_000 });
      }
    },
    T,
  );
});

describe("cancellation", () => {
  test(
    "map and imap over thousands of chunks with a signal watch it once: no listener-leak warning, abort still rejects",
    async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning.name);
      process.on("warning", onWarning);
      try {
        await withPool({}, async (pool) => {
          const controller = new AbortController();
          const n = 3000;
          const options = { chunksize: 1, signal: controller.signal, timeout: 60_000 };
          expect(await pool.map("square", range(n), options)).toEqual(range(n).map((x) => x * x));
          let seen = 0;
          for await (const value of pool.imap("square", range(n), options)) {
            if (value !== seen * seen) throw new Error(`imap item ${seen}: ${value}`);
            seen++;
          }
          expect(seen).toBe(n);
          const aborted = pool.map(
            "cooperative",
            range(50).map(() => 1000),
            {
              chunksize: 1,
              signal: controller.signal,
            },
          );
          controller.abort("stop");
          await expect(aborted).rejects.toMatchObject({ name: "AbortError", cause: "stop" });
        });
        await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    },
    T,
  );

  test(
    "a cooperative task sees its timeout in shared memory; its worker is kept",
    async () => {
      await withPool({}, async (pool) => {
        await Promise.all([pool.apply("add", [0, 0]), pool.apply("add", [0, 0])]);
        const error = await pool
          .apply("cooperative", [20_000], { timeout: 300 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TimeoutError);
        // The worker noticed and returned; it keeps serving.
        expect(await pool.map("square", range(50))).toEqual(range(50).map((x) => x * x));
        expect(pool.stats().workersStarted).toBe(2);
        expect(pool.stats().cancelled).toBe(1);
      });
    },
    T,
  );

  test(
    "a task that ignores cancellation past the grace period loses its worker; the worker's other tasks are re-queued",
    async () => {
      await withPool({ processes: 1, cancelGrace: 200 }, async (pool) => {
        // The worker is up (a task cancelled before it starts is skipped, not run).
        expect(await pool.apply("add", [0, 0])).toBe(0);
        const stuck = pool.apply("stubborn", [30_000], { timeout: 300 });
        const behind = range(20).map((i) => pool.apply("add", [i, 1]));
        await expect(stuck).rejects.toBeInstanceOf(TimeoutError);
        expect(await Promise.all(behind)).toEqual(range(20).map((i) => i + 1));
        const stats = pool.stats();
        expect(stats.workersStarted).toBe(2);
        expect(stats.crashed).toBe(0);
        expect(stats.completed).toBe(21);
      });
    },
    T,
  );

  test(
    "an aborted signal (before or after the call) or future.cancel() rejects that task with AbortError and leaves the running task alone",
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const running = pool.submit("stubborn", [500]);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const controller = new AbortController();
        const queued = pool.apply("add", [1, 1], { signal: controller.signal });
        controller.abort(new Error("changed my mind"));
        const error = await queued.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AbortError);
        expect((error as AbortError).cause).toEqual(new Error("changed my mind"));
        expect(running.done()).toBe(false);
        await expect(
          pool.apply("add", [1, 1], { signal: AbortSignal.abort() }),
        ).rejects.toBeInstanceOf(AbortError);
        const future = pool.submit("add", [2, 2]);
        expect(future.cancel()).toBe(true);
        await expect(future).rejects.toBeInstanceOf(AbortError);
        expect(await running).toBe("finished");
        expect(await pool.apply("add", [3, 3])).toBe(6);
        expect(pool.stats().cancelled).toBe(3);
      });
    },
    T,
  );
});

describe("workers", () => {
  test(
    "with maxTasksPerChild a worker runs at most that many tasks before a new generation replaces it; every task completes",
    async () => {
      await withPool({ maxTasksPerChild: 3 }, async (pool) => {
        const seen = await Promise.all(range(18).map(() => pool.apply("whoAmI", [])));
        const pids = new Set(seen.map((s) => s.pid));
        expect(pids.size).toBeGreaterThanOrEqual(6);
        const perPid = new Map<number, number>();
        for (const s of seen) perPid.set(s.pid, (perPid.get(s.pid) ?? 0) + 1);
        for (const count of perPid.values()) expect(count).toBeLessThanOrEqual(3);
        expect(Math.max(...seen.map((s) => s.generation))).toBeGreaterThan(1);
        expect(await pool.map("square", range(30), { chunksize: 1 })).toEqual(
          range(30).map((x) => x * x),
        );
      });
    },
    T,
  );

  test(
    "seqs stay int32: a worker retires after seq 2^31 - 1; cancel grace and crash recovery work up to it",
    async () => {
      const first = SEQ_RANGE.first;
      // Each worker is sent the 3 last seqs (the slot's int32 words read seq 2^31 back as -2^31).
      SEQ_RANGE.first = SEQ_RANGE.last - 2;
      try {
        await withPool({ processes: 1, cancelGrace: 200 }, async (pool) => {
          const seen = await Promise.all(range(9).map(() => pool.apply("whoAmI", [])));
          expect(seen.map((s) => s.generation)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
          // A task that ignores its timeout: its worker is terminated after the grace, the
          // records behind it go to the next worker.
          const stuck = pool.apply("stubborn", [30_000], { timeout: 300 });
          const behind = range(5).map((i) => pool.apply("add", [i, 1]));
          await expect(stuck).rejects.toBeInstanceOf(TimeoutError);
          expect(
            await withTimeLimit(Promise.all(behind), 20_000, "the tasks behind a stuck task"),
          ).toEqual(range(5).map((i) => i + 1));
          // A crash rejects its own task once (not re-queued as if it never started).
          const error = await pool.apply("crash", ["exit"]).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WorkerCrashedError);
          expect(await pool.apply("add", [2, 3])).toBe(5);
          const stats = pool.stats();
          expect(stats.completed).toBe(9 + 5 + 1);
          expect(stats.cancelled).toBe(1);
          expect(stats.crashed).toBe(1);
          expect(stats.inFlight).toBe(0);
        });
      } finally {
        SEQ_RANGE.first = first;
      }
    },
    T,
  );

  test(
    "the initializer runs with initArgs in every worker before its first task",
    async () => {
      const workerUrl = new URL("../src/worker.ts", import.meta.url); // the default, given explicitly
      const options = { initializer: "init", initArgs: [1, "two", { three: 3 }], workerUrl };
      await withPool(options, async (pool) => {
        const all = await Promise.all(range(10).map(() => pool.apply("initArgs", [])));
        for (const args of all) expect(args).toEqual([1, "two", { three: 3 }]);
      });
    },
    T,
  );

  test(
    "stats() counts every task once: in the totals, per worker and in the histogram, failures included",
    async () => {
      await withPool({ histogram: true }, async (pool) => {
        await pool.map(
          "busy",
          range(40).map(() => 200_000),
          { chunksize: 1 },
        );
        await pool.apply("throwType", ["x"]).catch(() => {});
        const stats = pool.stats();
        expect(stats.completed).toBe(40);
        expect(stats.failed).toBe(1);
        expect(stats.workers.reduce((sum, w) => sum + w.completed, 0)).toBe(41);
        expect(stats.histogram?.reduce((a, b) => a + b, 0)).toBe(41);
      });
    },
    T,
  );

  test(
    "a worker's busyMs covers the run its task measured, and its utilization is busyMs over the worker's age",
    async () => {
      // Spans this test measures itself bound the worker's age: it started inside the
      // constructor, and stats() reads the clock inside its own call.
      const beforePool = performance.now();
      const pool = new Pool<Tasks>(TASKS, { processes: 1 });
      const afterPool = performance.now();
      try {
        const ranMs = await withTimeLimit(pool.apply("spinFor", [50]), T - 5000, "spinFor");
        const beforeStats = performance.now();
        const [worker] = pool.stats().workers;
        const afterStats = performance.now();
        expect(worker).toBeDefined();
        const { busyMs, utilization } = worker!;
        // The worker times each task from before its call to after it returns, and keeps the
        // total in units of 0.1 ms, rounded down.
        expect(busyMs).toBeGreaterThanOrEqual(Math.floor(ranMs * 10) / 10);
        expect(busyMs).toBeGreaterThan(0);
        const oldest = afterStats - beforePool;
        const youngest = beforeStats - afterPool;
        expect(utilization).toBeGreaterThanOrEqual(busyMs / oldest);
        expect(utilization).toBeLessThanOrEqual(busyMs / youngest);
        expect(utilization).toBeGreaterThan(0);
        expect(utilization).toBeLessThanOrEqual(1);
      } finally {
        pool.terminate();
        await pool.join({ timeout: 10_000 });
      }
    },
    T,
  );

  test("the worker slot rejects a wrong handle with InvalidHandleError", () => {
    const { handle, i32 } = createSlot();
    expect(slotFrom(handle)).toBeInstanceOf(Int32Array);
    expect(() => slotFrom({ ...handle, kind: "lock" })).toThrow(InvalidHandleError);
    // The error names the kind the handle should have had.
    expect(() => slotFrom({ ...handle, kind: "lock" })).toThrow(SLOT_KIND.kind);
    expect(() => slotFrom({ ...handle, version: 2 })).toThrow(InvalidHandleError);
    expect(() => slotFrom({ ...handle, buffer: new ArrayBuffer(handle.byteLength) })).toThrow(
      InvalidHandleError,
    );
    expect(() => slotFrom({ ...handle, byteLength: 8 })).toThrow(InvalidHandleError);
    Atomics.store(i32, 0, 12345);
    expect(() => slotFrom(handle)).toThrow(InvalidHandleError);
  });
});
