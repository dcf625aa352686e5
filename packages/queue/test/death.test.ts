/**
 * Owner death (docs/reliability.md, "Owner death is reported"): a thread that dies holding a Queue's internal
 * lock is reported to the next caller with OwnerDiedError, the queue's items
 * stay intact, and nobody hangs; threads killed at random points in the
 * middle of puts and gets lose or duplicate nothing beyond their own call.
 */
import { isThreadAlive, OwnerDiedError } from "@sabkit/core";
import { scaled, seededRandom, startWorker, testSeed, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { JoinableQueue, Queue } from "../src/index.js";
import { LOCK, LOCK_OWNER } from "../src/internal.js";

const scenarios = new URL("./scenarios/death.scenario.ts", import.meta.url);
const words = (queue: Queue<number>) =>
  new Int32Array(queue.handle.buffer, queue.handle.byteOffset, 16);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a worker that takes `queue`'s lock and spins; resolves with it and its identity once it holds it. */
async function lockHolder(queue: { handle: Queue<number>["handle"] }) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker(scenarios, "holdLock", { args: [queue.handle, cell], stdio: false });
  for (let i = 0; i < 2000 && Atomics.load(cell, 0) === 0; i++) await sleep(5);
  const identity = Atomics.load(cell, 0);
  if (identity === 0) throw new Error("the worker never took the queue's lock");
  worker.result.catch(() => {});
  return { worker, identity };
}

function caught(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("Queue: a thread that dies holding the internal lock", () => {
  it.each([
    ["put", (q: Queue<number>) => q.put(100)],
    ["put({ timeout })", (q: Queue<number>) => q.put(100, { timeout: 10_000 })],
    ["tryPut", (q: Queue<number>) => q.tryPut(100)],
    ["putMany", (q: Queue<number>) => q.putMany([100, 101])],
    ["get", (q: Queue<number>) => q.get()],
    ["getMany({ timeout })", (q: Queue<number>) => q.getMany(5, { timeout: 10_000 })],
    ["tryGet", (q: Queue<number>) => q.tryGet()],
  ])(
    "%s throws OwnerDiedError naming it; nothing of the call happened; the next call works and every item is intact",
    async (_, call) => {
      const queue = new Queue<number>({ capacity: 256 });
      queue.putMany([1, 2, 3]);
      const { worker, identity } = await lockHolder(queue);
      await withTimeLimit(worker.terminate(), 10_000, "terminate");
      expect(isThreadAlive(identity)).toBe(false);
      const error = caught(() => call(queue));
      expect(error).toBeInstanceOf(OwnerDiedError);
      expect((error as OwnerDiedError).code).toBe("ERR_SABKIT_OWNER_DIED");
      expect((error as OwnerDiedError).ownerIdentity).toBe(identity);
      expect((error as Error).message).toContain(`thread ${identity} died while holding`);
      expect((error as Error).message).toContain("3 items and they are intact");
      // The lock is free again and named nobody; the items are the ones put before.
      expect(words(queue)[LOCK]).toBe(0);
      expect(words(queue)[LOCK_OWNER]).toBe(0);
      expect(queue.qsize()).toBe(3);
      queue.put(4);
      expect(queue.getMany(10)).toEqual([1, 2, 3, 4]);
    },
  );

  it("getAsync, putAsync and close() report the dead holder with OwnerDiedError too, and close() still closes the queue", async () => {
    for (const call of [
      (q: Queue<number>) => q.getAsync({ timeout: 10_000 }),
      (q: Queue<number>) => q.putAsync(9),
      (q: Queue<number>) => q.close(),
    ]) {
      const queue = new Queue<number>({ capacity: 256 });
      queue.put(1);
      const { worker, identity } = await lockHolder(queue);
      await worker.terminate();
      const error = await (async () => {
        try {
          await call(queue);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(OwnerDiedError);
      expect((error as OwnerDiedError).ownerIdentity).toBe(identity);
      expect(queue.tryGet()).toEqual({ ok: true, value: 1 });
    }
  });

  it("a JoinableQueue's join is not fooled: the items it holds still need taskDone", async () => {
    const queue = new JoinableQueue<number>({ capacity: 256 });
    queue.putMany([1, 2]);
    const { worker } = await lockHolder(queue);
    await worker.terminate();
    expect(caught(() => queue.get())).toBeInstanceOf(OwnerDiedError);
    expect(queue.getMany(2)).toEqual([1, 2]);
    expect(() => queue.join({ timeout: 0 })).toThrow(
      expect.objectContaining({ code: "ERR_SABKIT_TIMEOUT" }),
    );
    queue.taskDone();
    queue.taskDone();
    queue.join({ timeout: 0 });
  });

  it("a worker asleep behind the lock wakes when the holder dies and gets OwnerDiedError (no 10 s stuck-lock wait)", async () => {
    const queue = new Queue<number>({ capacity: 256 });
    queue.put(7);
    const { worker, identity } = await lockHolder(queue);
    const waiter = startWorker<string>(scenarios, "getBehindLock", { args: [queue.handle] });
    // Let the waiter spin out and fall asleep on the lock word.
    await sleep(100);
    await worker.terminate();
    expect(await withTimeLimit(waiter.result, 15_000, "waiter")).toBe(`OwnerDiedError ${identity}`);
    expect(queue.tryGet()).toEqual({ ok: true, value: 7 });
  });
});

describe("Queue: workers killed at random points of puts and gets", () => {
  it("a producer killed mid-putMany: what arrived is a gap-free, in-order prefix of what it put, at least what it confirmed", async () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const queue = new Queue<number>({ capacity: 512, maxSize: 40 });
    const rounds = scaled(4);
    let ownerDied = 0;
    for (let round = 0; round < rounds; round++) {
      const first = round * 1_000_000;
      const confirmed = new Int32Array(new SharedArrayBuffer(4));
      const worker = startWorker(scenarios, "putUntilKilled", {
        args: [queue.handle, first, confirmed],
        stdio: false,
      });
      worker.result.catch(() => {});
      // Consume while it produces, then kill it at a random moment.
      const received: number[] = [];
      const killAt = performance.now() + 20 + random() * 60;
      const take = () => {
        try {
          received.push(...queue.tryGetMany(8));
        } catch (error) {
          if (!(error instanceof OwnerDiedError)) throw error;
          ownerDied++;
        }
      };
      while (performance.now() < killAt) {
        take();
        await sleep(0);
      }
      await worker.terminate();
      const sure = Atomics.load(confirmed, 0);
      for (let i = 0; i < 100 && queue.qsize() > 0; i++) take();
      take();
      const expected = Array.from({ length: received.length }, (_, k) => first + k);
      expect(received, `round ${round}, seed ${seed}`).toEqual(expected);
      expect(received.length, `round ${round}, seed ${seed}`).toBeGreaterThanOrEqual(sure);
      // A putMany is at most 8 items: the unconfirmed rest is at most one batch.
      expect(received.length, `round ${round}, seed ${seed}`).toBeLessThanOrEqual(sure + 8);
    }
    expect(ownerDied).toBeLessThanOrEqual(rounds);
  }, 60_000);

  it("a consumer killed mid-getMany: its items and the ones left form the sequence, in order, no duplicates, at most its last batch lost", async () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const rounds = scaled(4);
    for (let round = 0; round < rounds; round++) {
      const total = 400;
      const queue = new Queue<number>({ capacity: 1 << 14 });
      queue.putMany(Array.from({ length: total }, (_, k) => k));
      const got = new Int32Array(new SharedArrayBuffer(4 * (total + 1)));
      const worker = startWorker(scenarios, "getUntilKilled", {
        args: [queue.handle, got],
        stdio: false,
      });
      worker.result.catch(() => {});
      // Kill it once it has taken something, at a random point after that.
      for (let i = 0; i < 2000 && Atomics.load(got, 0) === 0; i++) await sleep(1);
      await sleep(random() * 3);
      await worker.terminate();
      const taken = Array.from(got.subarray(1, 1 + Atomics.load(got, 0)));
      let left: number[] = [];
      try {
        left = queue.tryGetMany(total);
      } catch (error) {
        expect(error, `round ${round}, seed ${seed}`).toBeInstanceOf(OwnerDiedError);
        left = queue.tryGetMany(total);
      }
      // Taken: a prefix 0..k-1; left: a suffix m..total-1 with k <= m <= k + 8 (its unrecorded last batch).
      expect(taken, `round ${round}, seed ${seed}`).toEqual(taken.map((_, k) => k));
      const m = left.length === 0 ? total : (left[0] as number);
      expect(left, `round ${round}, seed ${seed}`).toEqual(left.map((_, k) => m + k));
      expect(m + left.length).toBe(total);
      expect(m - taken.length, `round ${round}, seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(m - taken.length, `round ${round}, seed ${seed}`).toBeLessThanOrEqual(8);
    }
  }, 60_000);
});
