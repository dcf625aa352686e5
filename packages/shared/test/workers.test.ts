import { share } from "@sabkit/core";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import {
  Namespace,
  ShareableList,
  SharedArray,
  SharedDict,
  SharedList,
  SharedMemory,
  Value,
} from "../src/index.js";

const scenarios = new URL("./scenarios/shared.scenario.ts", import.meta.url);

describe("SharedDict in real workers", () => {
  it("4 workers × 10,000 update increments on the same keys give exact totals", async () => {
    const dict = new SharedDict<string, number>();
    const times = scaled(10_000);
    const keys = 8;
    await runInWorkers(scenarios, "dictUpdate", {
      workers: 4,
      args: [dict.handle, keys, times],
      timeoutMs: 120_000,
    });
    let total = 0;
    for (let k = 0; k < keys; k++) {
      const expected = Math.floor((4 * times) / keys);
      expect(dict.get(`k${k}`)).toBe(expected);
      total += dict.get(`k${k}`) as number;
    }
    expect(total).toBe(4 * times);
    expect(dict.size).toBe(keys);
  }, 130_000);

  it("concurrent inserts of distinct keys are all present, with growth from a small buffer", async () => {
    const dict = new SharedDict<string, { w: number; i: number; body: string }>(undefined, {
      byteLength: 4096,
    });
    const times = scaled(2_000);
    await runInWorkers(scenarios, "dictInsert", {
      workers: 4,
      args: [dict.handle, times, 40],
      timeoutMs: 120_000,
    });
    expect(dict.size).toBe(4 * times);
    expect(dict.handle.buffer.byteLength).toBeGreaterThan(4096);
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < times; i++) {
        expect(dict.get(`w${w}:${i}`)).toEqual({ w, i, body: "x".repeat(40) });
      }
    }
    expect(new Set(dict.keys()).size).toBe(4 * times);
  }, 130_000);

  it("snapshot iteration during writes never throws or yields torn values", async () => {
    const dict = new SharedDict<string, { a: number; b: number; c: string }>(undefined, {
      byteLength: 2048,
    });
    const done = new Int32Array(new SharedArrayBuffer(4));
    const times = scaled(5_000);
    const [writers, readers] = await Promise.all([
      runInWorkers(scenarios, "snapshotWriter", {
        workers: 2,
        args: [dict.handle, 50, times, done],
        timeoutMs: 120_000,
      }),
      runInWorkers<{ snapshots: number; torn: number; errors: string[] }>(
        scenarios,
        "snapshotReader",
        {
          workers: 2,
          args: [dict.handle, 2, done],
          timeoutMs: 120_000,
        },
      ),
    ]);
    expect(writers).toEqual([times, times]);
    for (const reader of readers) {
      expect(reader.errors).toEqual([]);
      expect(reader.torn).toBe(0);
      expect(reader.snapshots).toBeGreaterThanOrEqual(3);
    }
  }, 130_000);
});

describe("SharedList in real workers", () => {
  it("push from 4 workers: every item present exactly once, per-worker order kept", async () => {
    const list = new SharedList<[number, number]>(undefined, { byteLength: 2048 });
    const times = scaled(3_000);
    await runInWorkers(scenarios, "listPush", {
      workers: 4,
      args: [list.handle, times],
      timeoutMs: 120_000,
    });
    expect(list.length).toBe(4 * times);
    const next = [0, 0, 0, 0];
    for (const [w, i] of list) {
      expect(i).toBe(next[w]);
      next[w] = (next[w] as number) + 1;
    }
    expect(next).toEqual([times, times, times, times]);
  }, 130_000);
});

describe("Value in real workers", () => {
  it("with the lock: 4 workers × read/spin/write give the exact total", async () => {
    const value = new Value("i", 0);
    const times = scaled(2_000);
    await runInWorkers(scenarios, "valueLocked", {
      workers: 4,
      args: [value.handle, times],
      timeoutMs: 120_000,
    });
    expect(value.value).toBe(4 * times);
  }, 130_000);

  it("without a lock, workers whose read-then-write steps overlap lose all but one increment of each round", async () => {
    const value = new Value("i", 0, { lock: false });
    const arrivals = new Int32Array(new SharedArrayBuffer(4));
    const workers = 2;
    const times = scaled(200);
    await runInWorkers(scenarios, "valueOverlapped", {
      workers,
      args: [value.handle, arrivals, workers, times],
      timeoutMs: 120_000,
    });
    expect(Atomics.load(arrivals, 0)).toBe(workers * times);
    // workers × times increments were written; one per round survived.
    expect(value.value).toBe(times);
    expect(() => value.getLock()).toThrow(TypeError);
  }, 130_000);

  it("atomic add without a lock: exact totals on a bigint64", async () => {
    const value = new Value("q", 0n, { lock: false });
    const times = scaled(10_000);
    await runInWorkers(scenarios, "valueAdd", {
      workers: 4,
      args: [value.handle, times],
      timeoutMs: 120_000,
    });
    expect(value.value).toBe(BigInt(4 * times));
  }, 130_000);
});

describe("sharing in args and SharedMemory by name", () => {
  it("share/revive brings every kind to a worker alive", async () => {
    const dict = new SharedDict<string, number>();
    const list = new SharedList<number>();
    const value = new Value("i", 1);
    const array = new SharedArray("i", 2);
    const ns = new Namespace();
    const [names] = await runInWorkers<string[]>(scenarios, "reviveAll", {
      args: [share([dict, list, value, array, ns])],
      timeoutMs: 60_000,
    });
    expect(names).toEqual(["SharedDict", "SharedList", "Value"]);
    expect(dict.get("worker")).toBe(1);
    expect(list.slice()).toEqual([7]);
    expect(value.value).toBe(2);
    expect(array.array[0]).toBe(9);
    expect(ns.get("done")).toBe(true);
  }, 70_000);

  it("a worker attaches a block by name and a ShareableList by handle; writes are seen here", async () => {
    const shm = SharedMemory.create("workers-test-block", 64);
    const list = ShareableList.create("workers-test-list", ["placeholder text", 2]);
    shm.buf[0] = 41;
    try {
      const [result] = await runInWorkers<number[]>(scenarios, "attachByName", {
        args: ["workers-test-block", share([list])],
        timeoutMs: 60_000,
      });
      expect(result).toEqual([64, 2]);
      expect(shm.buf[1]).toBe(42);
      expect(list.get(0)).toBe("from worker");
      expect(SharedMemory.leaked()).toContain("workers-test-block");
    } finally {
      shm.unlink();
      list.shm.unlink();
    }
    expect(SharedMemory.leaked()).not.toContain("workers-test-block");
  }, 70_000);
});
