import { AbortError, BrokenBarrierError, InvalidHandleError, revive, share } from "@sabkit/core";
import { runInWorkers, type ScenarioWorker, scaled, startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Barrier, WaitGroup } from "../src/index.js";
import { PARTIES, STATE, WAITERS } from "../src/internal.js";

const scenario = new URL("./scenarios/barrier.scenario.ts", import.meta.url);
const words = (b: Barrier) => new Int32Array(b.handle.buffer, b.handle.byteOffset, 6);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilWaiting(barrier: Barrier, n: number): Promise<void> {
  const w = words(barrier);
  for (let i = 0; i < 4_000 && !(barrier.nWaiting >= n && Atomics.load(w, WAITERS) >= n); i++) {
    await sleep(5);
  }
  expect(barrier.nWaiting).toBe(n);
}

function start(barrier: Barrier, count: number, timeout?: number): ScenarioWorker<string>[] {
  return Array.from({ length: count }, (_, index) =>
    startWorker<string>(scenario, "waitOnce", {
      index,
      workers: count,
      args: [barrier.handle, timeout],
    }),
  );
}

async function results(workers: ScenarioWorker<string>[]): Promise<string[]> {
  try {
    return await Promise.all(workers.map((w) => w.result));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

describe("Barrier in real workers", () => {
  it("4 parties across 1,000 generations: the action runs exactly once per generation, before release", async () => {
    const barrier = new Barrier(4);
    const generations = scaled(1_000);
    const counters = new Int32Array(new SharedArrayBuffer(4 * 6));
    const done = await runInWorkers<number>(scenario, "rounds", {
      workers: 4,
      args: [barrier.handle, counters, generations],
      timeoutMs: 60_000,
    });
    expect(done).toEqual([generations, generations, generations, generations]);
    expect(counters[0]).toBe(generations); // one action per generation
    // Every generation handed out each index 0..3 exactly once.
    expect(Array.from(counters.subarray(2, 6))).toEqual([
      generations,
      generations,
      generations,
      generations,
    ]);
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(0);
  }, 70_000);

  it("the main thread and 2 workers meet; the last arriver gets parties-1 and runs its action", async () => {
    let ran = 0;
    const barrier = new Barrier(3, { action: () => ran++ });
    const workers = start(barrier, 2, 10_000);
    await untilWaiting(barrier, 2);
    expect(barrier.wait({ timeout: 10_000 })).toBe(2);
    expect(ran).toBe(1);
    expect((await results(workers)).sort()).toEqual(["index:0", "index:1"]);
  });

  it("a timeout breaks the barrier: the timed-out thread and every waiter get BrokenBarrierError", async () => {
    const barrier = new Barrier(4);
    const workers = start(barrier, 2, 20_000);
    await untilWaiting(barrier, 2);
    expect(() => barrier.wait({ timeout: 30 })).toThrow(BrokenBarrierError);
    expect(await results(workers)).toEqual(["BrokenBarrierError", "BrokenBarrierError"]);
    expect(barrier.broken).toBe(true);
    // Broken until reset: later arrivals fail at once.
    expect(() => barrier.wait({ timeout: 1_000 })).toThrow(BrokenBarrierError);
    await expect(barrier.waitAsync()).rejects.toBeInstanceOf(BrokenBarrierError);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(0);
  });

  it("the constructor's default timeout applies to waits that pass none", () => {
    const barrier = new Barrier(2, { timeout: 20 });
    expect(() => barrier.wait()).toThrow(BrokenBarrierError);
    expect(barrier.broken).toBe(true);
  });

  it("abort() wakes every waiter with BrokenBarrierError and stays broken until reset()", async () => {
    const barrier = new Barrier(3);
    const workers = start(barrier, 2);
    await untilWaiting(barrier, 2);
    barrier.abort();
    expect(await results(workers)).toEqual(["BrokenBarrierError", "BrokenBarrierError"]);
    expect(barrier.broken).toBe(true);
    barrier.abort(); // idempotent
    barrier.reset();
    // Usable again: 2 workers + main form a full generation.
    const again = start(barrier, 2, 10_000);
    await untilWaiting(barrier, 2);
    expect(barrier.wait({ timeout: 10_000 })).toBe(2);
    expect((await results(again)).sort()).toEqual(["index:0", "index:1"]);
  });

  it("reset() while threads wait: they get BrokenBarrierError, the barrier is usable at once", async () => {
    const barrier = new Barrier(3);
    const workers = start(barrier, 2);
    await untilWaiting(barrier, 2);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(await results(workers)).toEqual(["BrokenBarrierError", "BrokenBarrierError"]);
    const again = start(barrier, 2, 10_000);
    await untilWaiting(barrier, 2);
    expect(barrier.wait({ timeout: 10_000 })).toBe(2);
    expect((await results(again)).sort()).toEqual(["index:0", "index:1"]);
  });

  it("an action that throws breaks the barrier: its thread gets the error, the others BrokenBarrierError", async () => {
    const barrier = new Barrier(3, {
      action: () => {
        throw new Error("action failed");
      },
    });
    const workers = start(barrier, 2, 10_000);
    await untilWaiting(barrier, 2);
    expect(() => barrier.wait()).toThrow("action failed");
    expect(await results(workers)).toEqual(["BrokenBarrierError", "BrokenBarrierError"]);
    expect(barrier.broken).toBe(true);
  });
});

describe("Barrier on one thread", () => {
  it("parties = 1: every wait returns 0 and runs the action", async () => {
    let ran = 0;
    const barrier = new Barrier(1, { action: () => ran++ });
    expect(barrier.wait()).toBe(0);
    expect(await barrier.waitAsync()).toBe(0);
    expect(ran).toBe(2);
    expect(barrier.parties).toBe(1);
  });

  it("an aborted waitAsync breaks the barrier (its arrival cannot be taken back)", async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const pending = barrier.waitAsync({ signal: controller.signal });
    setTimeout(() => controller.abort("cancel"), 10);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe("cancel");
    expect(barrier.broken).toBe(true);
    expect(words(barrier)[WAITERS]).toBe(0);
  });

  it("async waits of one thread meet each other", async () => {
    const barrier = new Barrier(3);
    const indices = await Promise.all([
      barrier.waitAsync({ timeout: 5_000 }),
      barrier.waitAsync({ timeout: 5_000 }),
      barrier.waitAsync({ timeout: 5_000 }),
    ]);
    expect(indices.sort()).toEqual([0, 1, 2]);
  });
});

describe("bad inputs and handles", () => {
  it.each([0, -1, 1.5, Number.NaN, 2 ** 20, "4", undefined])(
    "new Barrier(%s) is a RangeError",
    (parties) => {
      expect(() => new Barrier(parties as number)).toThrow(RangeError);
    },
  );

  it("bad options are a TypeError / RangeError", async () => {
    expect(() => new Barrier(2, { action: 5 as never })).toThrow(TypeError);
    expect(() => new Barrier(2, { timeout: -1 })).toThrow(RangeError);
    expect(() => new Barrier(2, 7 as never)).toThrow(TypeError);
    const barrier = new Barrier(2);
    expect(() => barrier.wait({ timeout: Number.NaN })).toThrow(RangeError);
    await expect(barrier.waitAsync({ timeout: -5 })).rejects.toBeInstanceOf(RangeError);
    expect(barrier.nWaiting).toBe(0); // a rejected call never arrived
    expect(() => Barrier.from(barrier.handle, { action: "x" as never })).toThrow(TypeError);
  });

  it("share/revive and from() give the same barrier", async () => {
    const barrier = new Barrier(2);
    const copy = revive<{ barrier: Barrier }>(structuredClone(share({ barrier }))).barrier;
    expect(copy.parties).toBe(2);
    const [a, b] = await Promise.all([copy.waitAsync(), barrier.waitAsync()]);
    expect([a, b].sort()).toEqual([0, 1]);
  });

  it("from() refuses a handle of the wrong kind, version, buffer, size or tag, or a corrupted header, with an InvalidHandleError", () => {
    const barrier = new Barrier(2);
    const h = barrier.handle;
    for (const handle of [
      undefined,
      { ...h, kind: "event" },
      { ...h, version: 2 },
      { ...h, buffer: new ArrayBuffer(256) },
      { ...h, byteLength: 8 },
      { ...h, byteOffset: 3 },
      { ...h, buffer: new SharedArrayBuffer(256) },
    ]) {
      expect(() => Barrier.from(handle)).toThrow(InvalidHandleError);
    }
    const w = words(barrier);
    Atomics.store(w, PARTIES, 0);
    expect(() => Barrier.from(h)).toThrow(InvalidHandleError);
    Atomics.store(w, PARTIES, 2);
    Atomics.store(w, STATE, 7); // 7 arrived of 2 parties
    expect(() => barrier.wait({ timeout: 10 })).toThrow(InvalidHandleError);
  });
});

describe("placement in a caller's buffer", () => {
  it("a Barrier and a WaitGroup placed side by side in one buffer work as if created alone", async () => {
    const buffer = new SharedArrayBuffer(Barrier.byteLength + WaitGroup.byteLength);
    new Uint8Array(buffer).fill(0xff); // garbage the placement must clear
    const barrier = new Barrier(2, { buffer, byteOffset: 0 });
    const group = new WaitGroup(1, { buffer, byteOffset: Barrier.byteLength });
    expect([barrier.broken, barrier.nWaiting, group.count]).toEqual([false, 0, 1]);
    const other = barrier.waitAsync({ timeout: 10_000 });
    expect(Barrier.from(barrier.handle).wait({ timeout: 10_000 })).toBe(1);
    expect(await other).toBe(0);
    WaitGroup.from(group.handle).done();
    group.wait({ timeout: 0 });
  });

  it("a bad placement is a typed error and writes nothing", () => {
    const buffer = new SharedArrayBuffer(WaitGroup.byteLength);
    expect(() => new WaitGroup(0, { buffer, byteOffset: 2 })).toThrow(InvalidHandleError);
    expect(() => new Barrier(2, { buffer })).toThrow(InvalidHandleError); // does not fit
    expect(() => new Barrier(2, { byteOffset: 0 })).toThrow(TypeError);
    expect(new Int32Array(buffer).every((word) => word === 0)).toBe(true);
  });
});
