import {
  AbortError,
  InvalidHandleError,
  NotOwnerError,
  revive,
  share,
  TimeoutError,
} from "@sabkit/core";
import { runInWorkers, type ScenarioWorker, scaled, startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { BoundedSemaphore, Semaphore } from "../src/index.js";
import { BOUND, PERMITS, SEMAPHORE_LAYOUT, WAITERS } from "../src/internal.js";

const scenario = new URL("./scenarios/semaphore.scenario.ts", import.meta.url);
const words = (sem: Semaphore) => new Int32Array(sem.handle.buffer, sem.handle.byteOffset, 6);

describe("Semaphore on one thread", () => {
  it("acquire and tryAcquire take one permit each, release(n) gives n back, value counts them", () => {
    const sem = new Semaphore(2);
    expect(sem.value).toBe(2);
    expect(sem.tryAcquire()).toBe(true);
    const guard = sem.acquire();
    expect(sem.value).toBe(0);
    expect(sem.tryAcquire()).toBe(false);
    guard.release();
    guard.release(); // releases once
    expect(sem.value).toBe(1);
    sem.release(3); // unbounded: may pass the initial value, as Python
    expect(sem.value).toBe(4);
    expect(new Semaphore().value).toBe(1);
    expect(new Semaphore(0).tryAcquire()).toBe(false);
  });

  it("using releases at the end of the block, also on throw", () => {
    const sem = new Semaphore(1);
    expect(() => {
      using _permit = sem.acquire();
      expect(sem.value).toBe(0);
      throw new Error("boom");
    }).toThrow("boom");
    expect(sem.value).toBe(1);
  });

  it("acquire times out with TimeoutError (timeout 0 = try once); no waiter stays registered", async () => {
    const sem = new Semaphore(0);
    expect(() => sem.acquire({ timeout: 0 })).toThrow(TimeoutError);
    const start = performance.now();
    const error = (() => {
      try {
        sem.acquire({ timeout: 30 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe("ERR_SABKIT_TIMEOUT");
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
    await expect(sem.acquireAsync({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    expect(words(sem)[WAITERS]).toBe(0);
    expect(sem.value).toBe(0);
  });

  it("acquireAsync resolves when another party releases, and aborts with AbortError", async () => {
    const sem = new Semaphore(0);
    const pending = sem.acquireAsync({ timeout: 5_000 });
    setTimeout(() => sem.release(), 10);
    const guard = await pending;
    expect(sem.value).toBe(0);
    await guard[Symbol.asyncDispose]();
    expect(sem.value).toBe(1);

    const empty = new Semaphore(0);
    const controller = new AbortController();
    const aborted = empty.acquireAsync({ signal: controller.signal });
    setTimeout(() => controller.abort("enough"), 10);
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe("enough");
    expect(words(empty)[WAITERS]).toBe(0);
    await expect(empty.acquireAsync({ signal: AbortSignal.abort("x") })).rejects.toBeInstanceOf(
      AbortError,
    );
    // The abandoned wait did not eat a permit released later.
    empty.release();
    expect(empty.tryAcquire()).toBe(true);
  });

  it("does not notify when nobody waits (release with WAITERS = 0 leaves no trace)", () => {
    const sem = new Semaphore(0);
    sem.release();
    expect(words(sem)[WAITERS]).toBe(0);
    expect(sem.value).toBe(1);
  });
});

describe("BoundedSemaphore", () => {
  it("refuses to release above the initial value with a RangeError; the count stays correct", () => {
    const sem = new BoundedSemaphore(2);
    expect(() => sem.release()).toThrow(RangeError);
    expect(() => sem.release()).toThrow(/initial value 2/);
    expect(sem.value).toBe(2);
    expect(sem.bound).toBe(2);
    expect(sem.tryAcquire()).toBe(true);
    expect(() => sem.release(2)).toThrow(RangeError); // 1 + 2 > 2: all or nothing
    expect(sem.value).toBe(1);
    sem.release();
    expect(sem.value).toBe(2);
    expect(sem).toBeInstanceOf(Semaphore);
  });

  it("over-release from several workers at once is refused exactly as often as it overflows", async () => {
    const sem = new BoundedSemaphore(4);
    for (let i = 0; i < 4; i++) expect(sem.tryAcquire()).toBe(true);
    // 4 workers each try to release 2: exactly 2 succeed.
    const results = await runInWorkers<string>(
      new URL("./scenarios/bounded.scenario.ts", import.meta.url),
      "releaseTwo",
      { workers: 4, args: [share({ sem })], timeoutMs: 20_000 },
    );
    expect(results.filter((r) => r === "released")).toHaveLength(2);
    expect(results.filter((r) => r === "RangeError")).toHaveLength(2);
    expect(sem.value).toBe(4);
  });
});

describe("in real workers", () => {
  it.each([1, 2, 3])(
    "a Semaphore(%i) never admits more than that many at once (shared gauge), 4 workers",
    async (k) => {
      const sem = new Semaphore(k);
      const gauge = new Int32Array(new SharedArrayBuffer(12));
      const times = scaled(1_500);
      const entered = await runInWorkers<number>(scenario, "hammer", {
        workers: 4,
        args: [share({ sem, gauge }), times],
        timeoutMs: 25_000,
      });
      expect(entered).toEqual([times, times, times, times]);
      expect(gauge[2]).toBe(4 * times); // every entry counted
      expect(gauge[1]).toBeGreaterThanOrEqual(1);
      expect(gauge[1]).toBeLessThanOrEqual(k);
      expect(gauge[0]).toBe(0);
      expect(sem.value).toBe(k); // every permit came back
      expect(words(sem)[WAITERS]).toBe(0);
    },
    30_000,
  );

  it("a blocked worker is woken by a release on the main thread", async () => {
    const sem = new Semaphore(0);
    const worker = startWorker<string>(scenario, "acquireOne", { args: [share({ sem }), 10_000] });
    // Wait until it sleeps (registered in WAITERS), then release.
    const w = words(sem);
    for (let i = 0; i < 2_000 && Atomics.load(w, WAITERS) === 0; i++) await sleep(5);
    expect(Atomics.load(w, WAITERS)).toBe(1);
    sem.release();
    expect(await worker.result).toBe("acquired");
    await worker.terminate();
    expect(sem.value).toBe(1);
  });
});

describe("owned semaphores: permits of a dead holder come back", () => {
  it("a worker killed (terminate) while holding 2 permits: a sleeping waiter in another worker gets one, reclaimedPermits is 2", async () => {
    const sem = new Semaphore(2, { owned: true, maxHolders: 8 });
    expect(sem.owned).toBe(true);
    const holder = startWorker(scenario, "takeAndKeep", { args: [share({ sem }), 2] });
    expect(await held(holder)).toBe(0);
    const waiter = startWorker<string>(scenario, "acquireOne", { args: [share({ sem }), 10_000] });
    const w = words(sem);
    for (let i = 0; i < 2_000 && Atomics.load(w, WAITERS) === 0; i++) await sleep(5);
    await holder.terminate(); // killed while holding both permits
    expect(await waiter.result).toBe("acquired");
    await waiter.terminate();
    expect(sem.reclaimedPermits).toBe(2);
    expect(sem.value).toBe(2);
  });

  it("the main thread's own waits reclaim too (tryAcquire after a death)", async () => {
    const sem = new Semaphore(1, { owned: true });
    const holder = startWorker(scenario, "takeAndKeep", { args: [share({ sem }), 1] });
    expect(await held(holder)).toBe(0);
    expect(sem.tryAcquire()).toBe(false);
    await holder.terminate();
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.reclaimedPermits).toBe(1);
    sem.release();
  });

  it("releasing a permit this thread does not hold is a NotOwnerError, and changes nothing", () => {
    const sem = new Semaphore(1, { owned: true });
    expect(() => sem.release()).toThrow(NotOwnerError);
    expect(sem.value).toBe(1);
    using _permit = sem.acquire();
    expect(() => sem.release(2)).toThrow(NotOwnerError);
    expect(sem.value).toBe(0);
  });

  it("runs out of holder slots with a message naming maxHolders", async () => {
    const sem = new Semaphore(5, { owned: true, maxHolders: 1 });
    const holder = startWorker(scenario, "takeAndKeep", { args: [share({ sem }), 1] });
    await held(holder);
    expect(() => sem.tryAcquire()).toThrow(/maxHolders/);
    await holder.terminate();
    expect(sem.tryAcquire()).toBe(true); // the dead holder's slot was reclaimed
  });
});

describe("bad inputs", () => {
  it.each([-1, Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY, "3", null])(
    "new Semaphore(%s) is a RangeError",
    (value) => {
      expect(() => new Semaphore(value as number)).toThrow(RangeError);
    },
  );

  it("BoundedSemaphore(0) is a RangeError (it could never admit anyone)", () => {
    expect(() => new BoundedSemaphore(0)).toThrow(RangeError);
  });

  it.each([0, -1, Number.NaN, 1.5, 2 ** 31, "1"])("release(%s) is a RangeError", (n) => {
    const sem = new Semaphore(1);
    expect(() => sem.release(n as number)).toThrow(RangeError);
    expect(sem.value).toBe(1);
  });

  it("release past 2^31-1 is a RangeError, count unchanged", () => {
    const sem = new Semaphore(2 ** 31 - 2);
    expect(() => sem.release(2)).toThrow(RangeError);
    expect(sem.value).toBe(2 ** 31 - 2);
  });

  it("bad options and timeouts are a TypeError / RangeError and change nothing", async () => {
    const sem = new Semaphore(1);
    for (const timeout of [-1, Number.NaN, Number.NEGATIVE_INFINITY, "100"]) {
      expect(() => sem.acquire({ timeout: timeout as number })).toThrow(RangeError);
      await expect(sem.acquireAsync({ timeout: timeout as number })).rejects.toBeInstanceOf(
        RangeError,
      );
    }
    expect(() => sem.acquire(5 as never)).toThrow(TypeError);
    await expect(sem.acquireAsync({ signal: {} as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    expect(sem.value).toBe(1); // nothing was taken by a rejected call
    expect(() => new Semaphore(1, 3 as never)).toThrow(TypeError);
    expect(() => new Semaphore(1, { owned: "yes" as never })).toThrow(TypeError);
    expect(() => new Semaphore(1, { maxHolders: 4 })).toThrow(TypeError);
    expect(() => new Semaphore(1, { owned: true, maxHolders: 0 })).toThrow(RangeError);
    expect(() => new Semaphore(1, { owned: true, maxHolders: 4097 })).toThrow(RangeError);
  });
});

describe("handles", () => {
  it("share/revive and from() give the same semaphore", () => {
    const sem = new Semaphore(3);
    const copy = revive<{ sem: Semaphore }>(structuredClone(share({ sem }))).sem;
    expect(copy).toBeInstanceOf(Semaphore);
    expect(copy.tryAcquire()).toBe(true);
    expect(sem.value).toBe(2);
    const bounded = new BoundedSemaphore(2);
    const b = revive<{ b: BoundedSemaphore }>(structuredClone(share({ b: bounded }))).b;
    expect(b).toBeInstanceOf(BoundedSemaphore);
    expect(() => b.release()).toThrow(RangeError);
    const owned = Semaphore.from(structuredClone(new Semaphore(1, { owned: true }).handle));
    expect(owned.owned).toBe(true);
  });

  it("from() refuses a handle of the wrong kind, version, buffer, size or tag with an InvalidHandleError", () => {
    const sem = new Semaphore(1);
    const bounded = new BoundedSemaphore(1);
    const h = sem.handle;
    const cases: unknown[] = [
      undefined,
      42,
      bounded.handle, // a bounded semaphore is another kind
      { ...h, kind: "lock" },
      { ...h, version: 2 },
      { ...h, buffer: new ArrayBuffer(64) },
      { ...h, byteLength: 8 },
      { ...h, byteOffset: 2 },
      { ...h, holderSlots: -1 },
      { ...h, holderSlots: 3 }, // byteLength does not match
      { ...h, buffer: new SharedArrayBuffer(h.byteLength) }, // tag is 0
    ];
    for (const handle of cases) expect(() => Semaphore.from(handle)).toThrow(InvalidHandleError);
    expect(() => BoundedSemaphore.from(h)).toThrow(InvalidHandleError);
  });

  it("corrupted shared words are typed errors, never a wait on garbage", () => {
    const sem = new Semaphore(1);
    const w = words(sem);
    Atomics.store(w, PERMITS, -5);
    expect(() => sem.tryAcquire()).toThrow(InvalidHandleError);
    expect(() => sem.acquire({ timeout: 10 })).toThrow(InvalidHandleError);
    expect(() => sem.release()).toThrow(InvalidHandleError);
    Atomics.store(w, PERMITS, 1);
    Atomics.store(w, BOUND, 0);
    expect(() => Semaphore.from(sem.handle)).toThrow(InvalidHandleError);
    expect(SEMAPHORE_LAYOUT.byteLength).toBe(24);
  });
});

/** Resolves with the permits left when the takeAndKeep worker reports that it holds its permits. */
function held(worker: ScenarioWorker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.worker.on("message", (m: { type: string; value: number }) => {
      if (m.type === "held") resolve(m.value);
    });
    worker.result.catch(reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("placement in a caller's buffer", () => {
  it("a Semaphore, a BoundedSemaphore and an owned Semaphore placed side by side keep their own counts", () => {
    const ownedBytes = Semaphore.byteLength + 8 * 4; // 8 bytes per holder slot
    const buffer = new SharedArrayBuffer(2 * Semaphore.byteLength + ownedBytes);
    new Uint8Array(buffer).fill(0xff); // garbage the placement must clear
    const plain = new Semaphore(2, { buffer, byteOffset: 0 });
    const bounded = new BoundedSemaphore(1, { buffer, byteOffset: Semaphore.byteLength });
    const owned = new Semaphore(3, {
      buffer,
      byteOffset: 2 * Semaphore.byteLength,
      owned: true,
      maxHolders: 4,
    });
    expect([plain.value, bounded.value, owned.value, owned.owned]).toEqual([2, 1, 3, true]);
    using _a = plain.acquire();
    using _b = owned.acquire({ timeout: 0 });
    expect(bounded.tryAcquire()).toBe(true);
    expect([plain.value, bounded.value, owned.value]).toEqual([1, 0, 2]);
    bounded.release();
    expect(() => bounded.release()).toThrow(RangeError);
    expect(Semaphore.from(owned.handle).value).toBe(2);
  });

  it("a bad placement is a typed error and writes nothing", () => {
    const buffer = new SharedArrayBuffer(Semaphore.byteLength);
    expect(() => new Semaphore(1, { buffer, byteOffset: 2 })).toThrow(InvalidHandleError);
    expect(() => new Semaphore(1, { buffer, byteOffset: 4 })).toThrow(InvalidHandleError);
    // An owned semaphore needs room for its holder slots too.
    expect(() => new Semaphore(1, { buffer, owned: true, maxHolders: 1 })).toThrow(
      InvalidHandleError,
    );
    expect(() => new BoundedSemaphore(1, { byteOffset: 0 })).toThrow(TypeError);
    expect(new Int32Array(buffer).every((word) => word === 0)).toBe(true);
  });
});
