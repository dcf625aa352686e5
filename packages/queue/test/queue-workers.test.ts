import {
  checkHistory,
  describeHistory,
  type HistoryItem,
  runInWorkers,
  scaled,
  startWorker,
  testSeed,
} from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { JoinableQueue, Queue } from "../src/index.js";

const scenarios = new URL("./scenarios/queue.scenario.ts", import.meta.url);

interface MpmcResult {
  received?: Int32Array;
  torn?: number;
  sent?: number;
}

async function runMpmc(options: {
  capacity?: number;
  maxSize?: number;
  perProducer: number;
  maxBody: number;
  timeoutMs: number;
}) {
  const seed = testSeed();
  const queue = new Queue({ capacity: options.capacity, maxSize: options.maxSize });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const producers = 4;
  const results = await runInWorkers<MpmcResult>(scenarios, "mpmc", {
    workers: 8,
    args: [queue.handle, done, producers, options.perProducer, options.maxBody, seed],
    timeoutMs: options.timeoutMs,
  });
  const consumers = results.slice(producers);
  const histories: HistoryItem[][] = consumers.map((r) => {
    const items: HistoryItem[] = [];
    const flat = r.received as Int32Array;
    for (let i = 0; i < flat.length; i += 2)
      items.push({ producer: flat[i] as number, seq: flat[i + 1] as number });
    return items;
  });
  const report = checkHistory(new Array(producers).fill(options.perProducer), histories);
  return {
    seed,
    report,
    torn: consumers.reduce((sum, r) => sum + (r.torn ?? 0), 0),
    sent: results.slice(0, producers).map((r) => r.sent),
    queue,
  };
}

describe("Queue in real workers: 4 producers × 4 consumers", () => {
  it("moves 4 × 50,000 mixed-size structured messages with no loss, duplicate, tear or per-producer reordering", async () => {
    const perProducer = scaled(50_000);
    const { seed, report, torn, sent, queue } = await runMpmc({
      capacity: 64 * 1024,
      perProducer,
      maxBody: 2000,
      timeoutMs: 180_000,
    });
    expect(sent).toEqual([perProducer, perProducer, perProducer, perProducer]);
    expect(report.ok, `seed ${seed}: ${describeHistory(report)}`).toBe(true);
    expect(report.received).toBe(4 * perProducer);
    expect(torn).toBe(0);
    expect(queue.qsize()).toBe(0);
    expect(queue.closed).toBe(true);
  }, 200_000);

  it.each([1, 2, 3, 64, 1024])(
    "with maxSize %i every item arrives once, whole and in its producer's order",
    async (maxSize) => {
      const perProducer = scaled(maxSize < 64 ? 2_000 : 5_000);
      const { seed, report, torn } = await runMpmc({
        maxSize,
        perProducer,
        maxBody: 300,
        timeoutMs: 90_000,
      });
      expect(report.ok, `seed ${seed}: ${describeHistory(report)}`).toBe(true);
      expect(report.received).toBe(4 * perProducer);
      expect(torn).toBe(0);
    },
    100_000,
  );

  it.each([128, 200, 256])(
    "a %i-byte ring (records wrap and split at its end): nothing lost, torn or reordered",
    async (capacity) => {
      const perProducer = scaled(3_000);
      // Bodies up to 30 chars (with a Date and a Map) keep every record below the smallest ring.
      const { seed, report, torn } = await runMpmc({
        capacity,
        perProducer,
        maxBody: 30,
        timeoutMs: 90_000,
      });
      expect(report.ok, `seed ${seed}: ${describeHistory(report)}`).toBe(true);
      expect(report.received).toBe(4 * perProducer);
      expect(torn).toBe(0);
    },
    100_000,
  );
});

describe("close() with blocked producers and consumers in workers", () => {
  it("wakes producers blocked on a full queue with ClosedError; what they put stays and drains", async () => {
    const queue = new Queue<number>({ maxSize: 4 });
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1, 2].map((index) =>
      startWorker<string>(scenarios, "blockedProducer", { args: [queue.handle, ready], index }),
    );
    try {
      while (Atomics.load(ready, 0) < 3) Atomics.wait(ready, 0, Atomics.load(ready, 0), 50);
      await new Promise((resolve) => setTimeout(resolve, 50)); // let them reach the sleep
      expect(queue.qsize()).toBe(4);
      queue.close();
      const ended = await Promise.all(workers.map((w) => w.result));
      expect(ended).toEqual(["ClosedError", "ClosedError", "ClosedError"]);
      expect(queue.getMany(10)).toHaveLength(4);
      expect(() => queue.get()).toThrow(expect.objectContaining({ code: "ERR_SABKIT_CLOSED" }));
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it.each([false, true])(
    "wakes consumers blocked on an empty queue (async forms: %s): they drain what is left, then get ClosedError",
    async (useAsync) => {
      const queue = new Queue<number>();
      const ready = new Int32Array(new SharedArrayBuffer(4));
      const workers = [0, 1, 2].map((index) =>
        startWorker<{ items: number[]; ended: string }>(scenarios, "blockedConsumer", {
          args: [queue.handle, ready, useAsync],
          index,
        }),
      );
      try {
        while (Atomics.load(ready, 0) < 3) Atomics.wait(ready, 0, Atomics.load(ready, 0), 50);
        await new Promise((resolve) => setTimeout(resolve, 50));
        queue.putMany([1, 2, 3, 4, 5, 6, 7]);
        queue.close();
        const results = await Promise.all(workers.map((w) => w.result));
        expect(results.map((r) => r.ended)).toEqual(["ClosedError", "ClosedError", "ClosedError"]);
        expect(results.flatMap((r) => r.items).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await Promise.all(workers.map((w) => w.terminate()));
      }
    },
  );
});

describe("timeouts across workers", () => {
  it("a get with a timeout on an empty queue ends with TimeoutError after the timeout", async () => {
    const queue = new Queue<number>();
    const [result] = await runInWorkers<{ name: string; ms: number }>(scenarios, "timedGet", {
      args: [queue.handle, 80],
      timeoutMs: 20_000,
    });
    expect(result?.name).toBe("TimeoutError");
    expect(result?.ms).toBeGreaterThanOrEqual(79);
  });
});

describe("JoinableQueue across workers", () => {
  it("join() returns once 3 consumers have marked every item done, and not before", async () => {
    const queue = new JoinableQueue<number>({ maxSize: 16 });
    const results = new Int32Array(new SharedArrayBuffer(4));
    const n = scaled(3_000);
    const workers = [0, 1, 2].map((index) =>
      startWorker<number>(scenarios, "joinConsumer", { args: [queue.handle, results], index }),
    );
    try {
      for (let i = 1; i <= n; i++) await queue.putAsync(i, { timeout: 20_000 });
      await queue.joinAsync({ timeout: 30_000 });
      expect(queue.unfinishedTasks).toBe(0);
      // join returned only after every item's work was recorded.
      expect(Atomics.load(results, 0)).toBe((n * (n + 1)) / 2);
      queue.close();
      const done = await Promise.all(workers.map((w) => w.result));
      expect(done.reduce((a, b) => a + b, 0)).toBe(n);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });
});
