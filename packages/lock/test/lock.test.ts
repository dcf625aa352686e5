import {
  AbortError,
  DeadlockError,
  InvalidHandleError,
  NotOwnerError,
  share,
  TimeoutError,
} from "@sabkit/core";
import { runInWorkers, scaled, startWorker, waitForWord, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Condition, Lock, RLock, RwLock } from "../src/index.js";
import { HANDOFF_AFTER, HEIR, STATE, WAITERS } from "../src/internal.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);
const counter = (words = 4) => new Int32Array(new SharedArrayBuffer(words * 4));
const words = (lock: Lock | RLock) =>
  new Int32Array(lock.handle.buffer, lock.handle.byteOffset, lock.handle.byteLength / 4);

describe("Lock and RLock exclude across real workers", () => {
  it.each([
    ["Lock", () => new Lock()],
    ["RLock", () => new RLock()],
  ])(
    "%s: 4 workers × plain increments (half of them async) give the exact total",
    async (_, make) => {
      const lock = make();
      const shared = counter();
      const times = scaled(3_000);
      const done = await runInWorkers<number>(scenarios, "increment", {
        workers: 4,
        args: [share({ lock, counter: shared }), times],
        timeoutMs: 60_000,
      });
      expect(done).toEqual([times, times, times, times]);
      expect(shared[0]).toBe(4 * times);
      expect(lock.locked).toBe(false);
      expect(words(lock)[HEIR]).toBe(0);
      expect(words(lock)[WAITERS]).toBe(0);
    },
  );

  it("RLock: re-entry by the owner, exact counts, free at the end", async () => {
    const lock = new RLock();
    const shared = counter();
    const times = scaled(1_000);
    const ids = await runInWorkers<number>(scenarios, "nested", {
      workers: 3,
      args: [share({ lock, counter: shared }), times],
      timeoutMs: 60_000,
    });
    expect(new Set(ids).size).toBe(3);
    expect(shared[0]).toBe(3 * times);
    expect(lock.locked).toBe(false);
  });

  it("Lock.all in both orders from two workers never deadlocks, and excludes", async () => {
    const lock = new Lock({ name: "A" });
    const other = new RLock({ name: "B" });
    const shared = counter();
    const times = scaled(2_000);
    const done = await runInWorkers<number>(scenarios, "both", {
      workers: 2,
      args: (index) => [share({ lock, other, counter: shared }), index === 1, times],
      timeoutMs: 60_000,
    });
    expect(done).toEqual([times, times]);
    expect([shared[0], shared[1]]).toEqual([2 * times, 2 * times]);
    expect([lock.locked, other.locked]).toEqual([false, false]);
  });

  it("release by a thread that does not hold it is NotOwnerError (Lock and RLock)", async () => {
    for (const lock of [new Lock(), new RLock()]) {
      using _held = lock.acquire();
      const [code] = await runInWorkers<string>(scenarios, "releaseForeign", {
        args: [share({ lock, counter: counter() })],
      });
      expect(code).toBe("ERR_SABKIT_NOT_OWNER");
      expect(lock.locked).toBe(true);
    }
  });
});

describe("fairness: barging with a bounded hand-off", () => {
  it("a waiter is not starved by a worker that re-acquires in a tight loop", async () => {
    const lock = new Lock();
    const shared = counter();
    const times = scaled(200);
    const [barger, overtaken] = await runInWorkers<number[]>(scenarios, "fairness", {
      workers: 2,
      args: [share({ lock, counter: shared }), times],
      timeoutMs: 60_000,
    });
    expect(overtaken).toHaveLength(times);
    expect(barger![0]).toBeGreaterThan(0);
    // Every acquisition was overtaken a bounded number of times: the hand-off
    // request after HANDOFF_AFTER, plus the acquisitions the barger made
    // while the waiter had not yet started to count (it reads the counter
    // just before calling acquire). Without the hand-off the waiter starves
    // and the run times out.
    const sorted = [...overtaken!].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(median).toBeLessThanOrEqual(HANDOFF_AFTER + 2);
    // A waiter that is descheduled before it can ask for the hand-off (2
    // shared cores) is overtaken for as long as it does not run: the bound
    // holds for the running waiter, so check it on nine acquisitions in ten.
    const p90 = sorted[Math.floor(sorted.length * 0.9)]!;
    expect(p90).toBeLessThanOrEqual(HANDOFF_AFTER + 2);
  });
});

describe("single-thread semantics", () => {
  it("a guard releases its lock once however often it is called, and locked / tryAcquire / release follow the holder", async () => {
    const lock = new Lock({ name: "m" });
    expect(lock.name).toBe("m");
    const guard = lock.acquire();
    expect(lock.locked).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    guard.release();
    guard.release();
    expect(lock.locked).toBe(false);
    {
      using _held = lock.acquire({ timeout: 0 });
      expect(Atomics.load(words(lock), STATE)).toBe(1);
    }
    expect(lock.locked).toBe(false);
    {
      await using _held = await lock.acquireAsync({ timeout: 10 });
      expect(lock.locked).toBe(true);
    }
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
    expect(() => lock.release()).toThrow(NotOwnerError);
  });

  it("a Lock acquired again by its owner is a DeadlockError (not a hang); an RLock re-enters", async () => {
    const lock = new Lock({ name: "self" });
    using _held = lock.acquire();
    expect(() => lock.acquire()).toThrow(DeadlockError);
    expect(() => lock.acquire({ timeout: 5 })).toThrow(/holds lock "self" and waits for it/);
    await expect(lock.acquireAsync()).rejects.toBeInstanceOf(DeadlockError);
    const rlock = new RLock();
    const a = rlock.acquire();
    const b = rlock.acquire();
    a.release();
    expect(rlock.locked).toBe(true);
    b.release();
    expect(rlock.locked).toBe(false);
    expect(() => rlock.release()).toThrow(NotOwnerError);
  });

  it("times out (every waiting form) while a worker holds it; TimeoutError names the lock", async () => {
    const lock = new Lock({ name: "held" });
    const cell = new SharedArrayBuffer(8);
    const worker = startWorker(scenarios, "holdUntil", {
      args: [share({ lock, counter: counter() }), cell],
    });
    try {
      const i32 = new Int32Array(cell);
      await waitForWord(i32, "the worker never took the lock");
      expect(() => lock.acquire({ timeout: 0 })).toThrow(TimeoutError);
      expect(() => lock.acquire({ timeout: 30 })).toThrow(
        /Lock.acquire on lock "held" timed out after 30 ms/,
      );
      await expect(lock.acquireAsync({ timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
      expect(lock.tryAcquire()).toBe(false);
      expect(() => Lock.all([lock, new Lock()], { timeout: 20 })).toThrow(TimeoutError);
      expect(Atomics.load(words(lock), WAITERS)).toBe(0);
      // Abort: before the call, and while waiting.
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(lock.acquireAsync({ signal: controller.signal })).rejects.toBeInstanceOf(
        AbortError,
      );
      expect(() => lock.acquire({ signal: controller.signal })).toThrow(AbortError);
      const later = new AbortController();
      const pending = lock.acquireAsync({ signal: later.signal });
      setTimeout(() => later.abort(new Error("enough")), 20);
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).cause).toEqual(new Error("enough"));
      expect(Atomics.load(words(lock), WAITERS)).toBe(0);
      // Released by the worker: a waiter gets it.
      const waiting = lock.acquireAsync({ timeout: 10_000 });
      Atomics.store(i32, 1, 1);
      Atomics.notify(i32, 1);
      (await withTimeLimit(waiting, 10_000, "acquire after release")).release();
      expect(await worker.result).toBe("released");
    } finally {
      await worker.terminate();
    }
  });

  it("Lock.all takes locks in any order and duplicates once under one guard, and holds none after a timeout", () => {
    const a = new Lock();
    const b = new RLock();
    const c = new Lock();
    const guard = Lock.all([c, a, b, a, Lock.from(c.handle)]);
    expect([a.locked, b.locked, c.locked]).toEqual([true, true, true]);
    guard.release();
    expect([a.locked, b.locked, c.locked]).toEqual([false, false, false]);
    c.acquire();
    // c is taken by this thread, so Lock.all must fail on it (DeadlockError) and hold nothing.
    expect(() => Lock.all([a, b, c], { timeout: 10 })).toThrow(DeadlockError);
    expect([a.locked, b.locked]).toEqual([false, false]);
    c.release();
    expect(() => Lock.all([a, {} as Lock])).toThrow(TypeError);
    expect(() => Lock.all(5 as unknown as Lock[])).toThrow(TypeError);
    expect(() => Lock.all([a], { timeout: -1 })).toThrow(RangeError);
  });
});

describe("bad input", () => {
  it.each([
    ["a negative timeout", { timeout: -1 }, RangeError],
    ["NaN", { timeout: Number.NaN }, RangeError],
    ["a string timeout", { timeout: "100" }, RangeError],
    ["a non-signal", { signal: {} }, TypeError],
    ["a non-object bag", 5, TypeError],
  ])("acquire options: %s", async (_, options, errorClass) => {
    const lock = new Lock();
    expect(() => lock.acquire(options as never)).toThrow(errorClass);
    await expect(lock.acquireAsync(options as never)).rejects.toBeInstanceOf(errorClass);
    expect(lock.locked).toBe(false);
    const rw = new RwLock();
    expect(() => rw.read(options as never)).toThrow(errorClass);
    expect(() => rw.write(options as never)).toThrow(errorClass);
  });

  it("bad constructor options are a TypeError", () => {
    expect(() => new Lock(5 as never)).toThrow(TypeError);
    expect(() => new Lock({ name: 5 as never })).toThrow(TypeError);
    expect(() => new RLock({ detectDeadlocks: "yes" as never })).toThrow(TypeError);
    expect(() => new Condition({} as never)).toThrow(TypeError);
  });

  it("from() refuses a handle of the wrong kind, version, buffer, size, tag or key with an InvalidHandleError", () => {
    const lock = new Lock();
    const rlock = new RLock();
    const rw = new RwLock();
    const cond = new Condition(lock);
    expect(Lock.from(lock.handle).handle).toBe(lock.handle);
    expect(() => Lock.from(rlock.handle)).toThrow(InvalidHandleError);
    expect(() => RLock.from(lock.handle)).toThrow(InvalidHandleError);
    expect(() => RwLock.from(lock.handle)).toThrow(InvalidHandleError);
    expect(() => Condition.from(lock.handle)).toThrow(InvalidHandleError);
    expect(() => Lock.from({ ...lock.handle, version: 2 })).toThrow(InvalidHandleError);
    expect(() => Lock.from({ ...lock.handle, buffer: new ArrayBuffer(64) })).toThrow(
      InvalidHandleError,
    );
    expect(() => Lock.from({ ...lock.handle, byteLength: 8 })).toThrow(InvalidHandleError);
    expect(() => Lock.from({ ...lock.handle, byteOffset: 2 })).toThrow(InvalidHandleError);
    expect(() => Lock.from(null)).toThrow(InvalidHandleError);
    expect(() => Lock.from({ ...lock.handle, name: 5 })).toThrow(InvalidHandleError);
    expect(() => Lock.from({ ...lock.handle, buffer: new SharedArrayBuffer(64) })).toThrow(
      /never initialised/,
    );
    // A lock handle pointing at an RwLock's memory: the tag says so.
    expect(() =>
      Lock.from({
        ...lock.handle,
        buffer: rw.handle.buffer,
        byteLength: rw.handle.buffer.byteLength,
      }),
    ).toThrow(InvalidHandleError);
    expect(() => Condition.from({ ...cond.handle, lock: rw.handle })).toThrow(InvalidHandleError);
    expect(() => Condition.from({ ...cond.handle, lock: undefined })).toThrow(InvalidHandleError);
    // Corrupted key words.
    const copy = new SharedArrayBuffer(lock.handle.byteLength);
    new Int32Array(copy).set(words(lock));
    new Int32Array(copy)[8] = 0;
    expect(() => Lock.from({ ...lock.handle, buffer: copy })).toThrow(/corrupted/);
  });

  it("a corrupted Condition (HEAD/TAIL out of range) is an InvalidHandleError, not a hang", () => {
    const cond = new Condition(new Lock());
    const i32 = new Int32Array(cond.handle.buffer);
    i32[2] = 5_000; // TAIL far past HEAD
    using _held = cond.acquire();
    expect(() => cond.notify()).toThrow(InvalidHandleError);
    expect(() => cond.wait({ timeout: 0 })).toThrow(InvalidHandleError);
  });
});
