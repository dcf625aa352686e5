import { AbortError, InvalidHandleError, revive, share, TimeoutError } from "@sabkit/core";
import { runInWorkers, scaled, startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { WaitGroup } from "../src/index.js";
import { COUNT, WAIT_GROUP_WAITERS, ZEROS } from "../src/internal.js";

const scenario = new URL("./scenarios/barrier.scenario.ts", import.meta.url);
const words = (g: WaitGroup) => new Int32Array(g.handle.buffer, g.handle.byteOffset, 4);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WaitGroup in real workers", () => {
  it("waiters (blocking and async) return after 4 workers' done() calls, having seen all the work", async () => {
    const group = new WaitGroup();
    const work = new Int32Array(new SharedArrayBuffer(4));
    const times = scaled(2_000);
    group.add(4 * times);
    const waiters = [0, 1].map((index) =>
      startWorker<string>(scenario, "waitGroup", {
        index,
        workers: 2,
        args: [share({ group, work }), 20_000],
      }),
    );
    try {
      const finished = await runInWorkers<number>(scenario, "finish", {
        workers: 4,
        args: [share({ group, work }), times],
        timeoutMs: 20_000,
      });
      expect(finished).toEqual([times, times, times, times]);
      expect(await Promise.all(waiters.map((w) => w.result))).toEqual([
        `done:${4 * times}`,
        `done:${4 * times}`,
      ]);
      expect(group.count).toBe(0);
      group.wait(); // returns at once at 0
    } finally {
      await Promise.all(waiters.map((w) => w.terminate()));
    }
  });

  it("waiters in workers time out with TimeoutError while tasks are outstanding", async () => {
    const group = new WaitGroup(1);
    const work = new Int32Array(new SharedArrayBuffer(4));
    const results = await runInWorkers<string>(scenario, "waitGroup", {
      workers: 2,
      args: [share({ group, work }), 40],
      timeoutMs: 20_000,
    });
    expect(results).toEqual(["TimeoutError", "TimeoutError"]);
    expect(words(group)[WAIT_GROUP_WAITERS]).toBe(0);
  });
});

describe("WaitGroup on one thread", () => {
  it("add and done move the count, tryWait is true at 0, and a count given to the constructor works as a countdown latch", async () => {
    const latch = new WaitGroup(2);
    expect(latch.tryWait()).toBe(false);
    const opened = latch.waitAsync({ timeout: 5_000 });
    latch.done();
    expect(latch.count).toBe(1);
    setTimeout(() => latch.done(), 5);
    await opened;
    expect(latch.tryWait()).toBe(true);
    latch.add(3);
    latch.add(-2);
    expect(latch.count).toBe(1);
    latch.add(0);
    expect(latch.count).toBe(1);
    expect(() => latch.wait({ timeout: 0 })).toThrow(TimeoutError);
  });

  it("a waiter returns when the count touched 0, even if add() raised it again before it woke", async () => {
    const group = new WaitGroup(1);
    const pending = group.waitAsync({ timeout: 5_000 });
    await sleep(5);
    group.done();
    group.add(1); // reused at once
    await pending; // still released: ZEROS recorded the crossing
    expect(words(group)[ZEROS]).toBe(1);
    expect(group.count).toBe(1);
  });

  it("a wait times out with TimeoutError and an aborted waitAsync rejects with AbortError while tasks are outstanding", async () => {
    const group = new WaitGroup(1);
    expect(() => group.wait({ timeout: 20 })).toThrow(TimeoutError);
    await expect(group.waitAsync({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const pending = group.waitAsync({ signal: controller.signal });
    setTimeout(() => controller.abort("no"), 5);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe("no");
    expect(words(group)[WAIT_GROUP_WAITERS]).toBe(0);
  });
});

describe("bad inputs and handles", () => {
  it("more done() than add() is a RangeError and the count stays 0", () => {
    const group = new WaitGroup();
    expect(() => group.done()).toThrow(RangeError);
    expect(() => group.done()).toThrow(/more often than add/);
    expect(group.count).toBe(0);
    group.add(2);
    expect(() => group.add(-3)).toThrow(RangeError);
    expect(group.count).toBe(2);
    expect(() => group.add(2 ** 31 - 2)).toThrow(RangeError);
    expect(group.count).toBe(2);
  });

  it.each([1.5, Number.NaN, "1", 2 ** 31, -(2 ** 31), Number.POSITIVE_INFINITY])(
    "add(%s) is a RangeError",
    (delta) => {
      const group = new WaitGroup(1);
      expect(() => group.add(delta as number)).toThrow(RangeError);
      expect(group.count).toBe(1);
    },
  );

  it.each([-1, 1.5, Number.NaN, "2", 2 ** 31])("new WaitGroup(%s) is a RangeError", (count) => {
    expect(() => new WaitGroup(count as number)).toThrow(RangeError);
  });

  it("bad wait options are a TypeError / RangeError", async () => {
    const group = new WaitGroup(1);
    expect(() => group.wait({ timeout: -1 })).toThrow(RangeError);
    await expect(group.waitAsync({ timeout: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    await expect(group.waitAsync({ signal: 1 as never })).rejects.toBeInstanceOf(TypeError);
  });

  it("a shared or revived wait group is the same group, and from() refuses wrong handles", () => {
    const group = new WaitGroup(1);
    const copy = revive<{ group: WaitGroup }>(structuredClone(share({ group }))).group;
    copy.done();
    expect(group.count).toBe(0);
    const h = group.handle;
    for (const handle of [
      { ...h, kind: "barrier" },
      { ...h, version: 3 },
      { ...h, buffer: new ArrayBuffer(16) },
      { ...h, byteLength: 4 },
      { ...h, buffer: new SharedArrayBuffer(16) },
    ]) {
      expect(() => WaitGroup.from(handle)).toThrow(InvalidHandleError);
    }
    Atomics.store(words(group), COUNT, -4);
    expect(() => group.done()).toThrow(InvalidHandleError);
  });
});
