import { type Guard, isThreadAlive, OwnerDiedError, share } from "@sabkit/core";
import { runInWorkers, startWorker, waitForWord, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Condition, Lock, RLock } from "../src/index.js";
import { DEPTH, WAITERS } from "../src/internal.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);
const words = (lock: Lock | RLock) =>
  new Int32Array(lock.handle.buffer, lock.handle.byteOffset, lock.handle.byteLength / 4);

/** Starts a worker that takes `lock` and then hangs or throws; resolves once it holds it. */
async function holder(lock: Lock | RLock, counter: Int32Array, mode: "hang" | "throw", depth = 1) {
  const cell = new SharedArrayBuffer(8);
  const worker = startWorker(scenarios, "holdThen", {
    args: [share({ lock, counter }), cell, mode, depth],
    stdio: false,
  });
  const identity = await waitForWord(new Int32Array(cell), "the holder never took the lock");
  return { worker, identity };
}

/** Runs `acquire`, expecting OwnerDiedError; returns the error. */
async function expectOwnerDied(acquire: () => unknown): Promise<OwnerDiedError<Guard>> {
  const error = await (async () => {
    try {
      await acquire();
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(error).toBeInstanceOf(OwnerDiedError);
  return error as OwnerDiedError<Guard>;
}

describe("owner death (robust lock, EOWNERDEAD)", () => {
  it.each([
    ["acquire()", (l: Lock | RLock) => l.acquire()],
    ["acquire({ timeout })", (l: Lock | RLock) => l.acquire({ timeout: 10_000 })],
    ["acquireAsync()", (l: Lock | RLock) => l.acquireAsync()],
    ["tryAcquire()", (l: Lock | RLock) => l.tryAcquire()],
    ["Lock.all", (l: Lock | RLock) => Lock.all([new Lock(), l])],
  ])(
    "a worker terminated while holding a Lock: %s throws OwnerDiedError, the caller holds it, err.guard releases it",
    async (_, acquire) => {
      const lock = new Lock({ name: "robust" });
      const counter = new Int32Array(new SharedArrayBuffer(16));
      const { worker, identity } = await holder(lock, counter, "hang");
      await withTimeLimit(worker.terminate(), 10_000, "terminate");
      expect(isThreadAlive(identity)).toBe(false);
      const error = await expectOwnerDied(() => acquire(lock));
      expect(error.code).toBe("ERR_SABKIT_OWNER_DIED");
      expect(error.ownerIdentity).toBe(identity);
      expect(error.message).toContain(`thread ${identity} died while holding`);
      expect(lock.locked).toBe(true);
      expect(lock.tryAcquire()).toBe(false); // held by us now, not free
      counter[0] = 0; // repair
      error.guard!.release();
      expect(lock.locked).toBe(false);
      // Later acquires are normal.
      lock.acquire({ timeout: 1000 }).release();
      expect(Atomics.load(words(lock), WAITERS)).toBe(0);
    },
  );

  it("a worker that throws out of its scenario while holding the lock: the next acquirer is told", async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(16));
    const { worker, identity } = await holder(lock, counter, "throw");
    await expect(worker.result).rejects.toThrow("planted failure");
    await withTimeLimit(worker.exited, 10_000, "exit");
    const error = await expectOwnerDied(() => lock.acquireAsync({ timeout: 10_000 }));
    expect(error.ownerIdentity).toBe(identity);
    expect(counter[0]).toBe(42);
    error.guard!.release();
    expect(lock.locked).toBe(false);
  });

  it("a waiter asleep when the owner dies wakes (exactly one of two waiters gets OwnerDiedError)", async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(16));
    const { worker } = await holder(lock, counter, "hang");
    const cell = new SharedArrayBuffer(8);
    const results = runInWorkers<string>(scenarios, "waitFor", {
      workers: 2,
      args: (index) => [share({ lock, counter }), cell, index === 1],
      timeoutMs: 30_000,
    });
    await waitForWord(new Int32Array(cell).subarray(1), "the waiter never started waiting");
    await new Promise((r) => setTimeout(r, 100)); // both asleep
    await worker.terminate();
    const outcomes = await results;
    expect([...outcomes].sort()).toEqual(["acquired", "owner-died"]);
    expect(lock.locked).toBe(false);
  });

  it("RLock: the holder died at depth 3; the taker holds it at depth 1", async () => {
    const lock = new RLock();
    const counter = new Int32Array(new SharedArrayBuffer(16));
    const { worker } = await holder(lock, counter, "hang", 3);
    expect(words(lock)[DEPTH]).toBe(3);
    await worker.terminate();
    const error = await expectOwnerDied(() => lock.acquire());
    expect(words(lock)[DEPTH]).toBe(1);
    error.guard!.release();
    expect(lock.locked).toBe(false);
  });

  it("Condition.wait re-acquiring a lock whose owner died throws OwnerDiedError with the lock held", async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const counter = new Int32Array(new SharedArrayBuffer(16));
    using _held = cond.acquire();
    // The wait releases the lock; a worker takes it and is terminated; the
    // wait ends (aborted) and re-acquires: the dead owner is reported first.
    const controller = new AbortController();
    const waiting = cond.waitAsync({ signal: controller.signal });
    const { worker } = await holder(lock, counter, "hang");
    await worker.terminate();
    controller.abort();
    const error = await expectOwnerDied(() => waiting);
    expect(lock.locked).toBe(true);
    expect(error.guard).toBeDefined();
  });
});
