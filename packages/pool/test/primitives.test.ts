// Live primitives (and SharedArrayBuffers) in task arguments, results and initArgs, in real workers.
import { Lock } from "@sabkit/lock";
import { Queue } from "@sabkit/queue";
import { scaled } from "@sabkit/test-utils";
import { expect, test } from "vitest";
import { T, withPool } from "./fixtures/with-pool.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test(
  "a Lock and a SharedArrayBuffer passed per task arrive live: increments under the lock are exact",
  async () => {
    await withPool({}, async (pool) => {
      const lock = new Lock();
      const counter = new Int32Array(new SharedArrayBuffer(8));
      const tasks = 20;
      const times = scaled(500);
      const live = await Promise.all(
        range(tasks).map(() => pool.apply("addUnderLock", [lock, counter, times])),
      );
      expect(live).toEqual(range(tasks).map(() => true));
      expect(counter[0]).toBe(tasks * times);
      // Plain tasks around them still take the queue path.
      expect(await pool.map("square", range(100))).toEqual(range(100).map((x) => x * x));
      const stats = pool.stats();
      expect(stats.inFlight).toBe(0);
      expect(stats.completed).toBe(tasks + 100);
    });
  },
  T,
);

test(
  "a Queue passed per task (starmap chunks) is live: every item arrives once",
  async () => {
    await withPool({}, async (pool) => {
      const queue = new Queue<number>();
      const n = 60;
      const echoed = await pool.starmap(
        "putSquare",
        range(n).map((i) => [queue, i] as [Queue<number>, number]),
        { chunksize: 7 },
      );
      expect(echoed).toEqual(range(n));
      const got = queue.getMany(n + 1, { timeout: 1000 });
      expect(got.sort((a, b) => a - b)).toEqual(range(n).map((x) => x * x));
    });
  },
  T,
);

test(
  "results may hold live primitives: a Queue made in a worker, a Lock sent back and forth",
  async () => {
    await withPool({}, async (pool) => {
      const made = await pool.apply("makeQueue", ["from the worker"]);
      expect(made).toBeInstanceOf(Queue);
      expect(made.get({ timeout: 1000 })).toBe("from the worker");
      const lock = new Lock();
      const back = (await pool.apply("echo", [{ lock, n: 3 }])) as { lock: Lock; n: number };
      expect(back.n).toBe(3);
      expect(back.lock).toBeInstanceOf(Lock);
      using _held = lock.acquire({ timeout: 1000 });
      expect(back.lock.tryAcquire()).toBe(false); // the same lock, held here
      // A function is still a TypeError naming where it is, and no other task is touched.
      const bad = pool.apply("echo", [{ lock, f: () => 1 } as never]);
      await expect(bad).rejects.toBeInstanceOf(TypeError);
      await expect(bad).rejects.toThrow(/args\[0\]\.f is a function/);
      expect(await pool.apply("add", [2, 3])).toBe(5);
    });
  },
  T,
);

test(
  "a Lock in initArgs arrives live in every worker",
  async () => {
    const lock = new Lock();
    await withPool({ initializer: "init", initArgs: [lock] }, async (pool) => {
      const all = await Promise.all(range(8).map(() => pool.apply("initLockIsLive", [])));
      expect(all).toEqual(range(8).map(() => true));
    });
  },
  T,
);
