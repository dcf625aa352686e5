import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { AbortError, TimeoutError } from "@sabkit/core";
import { startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Namespace, SharedDict, SharedList } from "../src/index.js";

const scenarios = new URL("./scenarios/shared.scenario.ts", import.meta.url);

/**
 * Runs `body` while a worker holds a container's lock (taken by scenario
 * `holder` on `handle`); `release()` lets the worker release it and finish.
 */
async function whileHeld(
  holder: string,
  handle: unknown,
  body: (release: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const worker = startWorker(scenarios, holder, { args: [handle, flags] });
  const release = async () => {
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    await worker.result;
  };
  try {
    while (Atomics.load(flags, 0) === 0) await waitAsync(flags, 0, 0, 100);
    await body(release);
  } finally {
    Atomics.store(flags, 1, 1);
    await worker.terminate();
  }
}

/** Each async call rejects with AbortError when aborted and TimeoutError when its timeout runs out. */
async function expectAsyncEnds(calls: ((options: object) => Promise<unknown>)[]): Promise<void> {
  for (const call of calls) {
    const controller = new AbortController();
    const pending = call({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(call({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
  }
}

const wait = { timeout: 30_000 };

describe("SharedDict update: timeout, async and try forms while another worker holds the lock", () => {
  it("update({ timeout }) -> TimeoutError, tryUpdate -> undefined, updateAsync({ signal }) -> AbortError; nothing changes; then all succeed", async () => {
    const dict = new SharedDict<string, number>([["n", 1]]);
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const worker = startWorker(scenarios, "holdDictLock", { args: [dict.handle, flags] });
    try {
      while (Atomics.load(flags, 0) === 0) await waitAsync(flags, 0, 0, 100);
      const fn = (n = 0) => n + 1;
      expect(() => dict.update("n", fn, { timeout: 30 })).toThrow(TimeoutError);
      expect(dict.tryUpdate("n", fn)).toBeUndefined();
      const controller = new AbortController();
      const pending = dict.updateAsync("n", fn, { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      await expect(dict.updateAsync("n", fn, { timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
      expect(() => dict.update("n", fn, { timeout: -1 })).toThrow(RangeError);
      const later = dict.updateAsync("n", fn, { timeout: 30_000 });
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      expect(await later).toBe(2);
      await worker.result;
      expect(dict.tryUpdate("n", fn)).toBe(3);
      expect(dict.update("n", fn, { timeout: 1000 })).toBe(4);
      expect(dict.get("n")).toBe(4);
    } finally {
      Atomics.store(flags, 1, 1);
      await worker.terminate();
    }
  }, 60_000);
});

describe("SharedDict get/set/has/delete/clear: timeout, async and try forms while another worker holds the lock", () => {
  it("timeouts throw, try forms report busy, async forms abort and time out; nothing changes; pending async forms resolve once the holder releases", async () => {
    const dict = new SharedDict<string, number>([
      ["n", 1],
      ["gone", 0],
    ]);
    await whileHeld("holdDictLock", dict.handle, async (release) => {
      const t = { timeout: 20 };
      expect(() => dict.get("n", t)).toThrow(TimeoutError);
      expect(() => dict.set("n", 5, t)).toThrow(TimeoutError);
      expect(() => dict.has("n", t)).toThrow(TimeoutError);
      expect(() => dict.delete("n", t)).toThrow(TimeoutError);
      expect(() => dict.clear(t)).toThrow(TimeoutError);
      expect(() => dict.get("n", { timeout: -1 })).toThrow(RangeError);
      expect(() => dict.set("n", 5, 7 as never)).toThrow(TypeError);
      await expect(dict.getAsync("n", { timeout: Number.NaN })).rejects.toBeInstanceOf(RangeError);
      expect(dict.tryGet("n")).toEqual({ ok: false });
      expect(dict.tryGet("missing")).toEqual({ ok: false });
      expect(dict.trySet("n", 5)).toBe(false);
      expect(dict.tryDelete("n")).toEqual({ ok: false });
      expect(() => dict.atomically(() => 1, { timeout: 20 })).toThrow(TimeoutError);
      expect(dict.tryAtomically(() => 1)).toEqual({ ok: false });
      await expectAsyncEnds([(o) => dict.atomicallyAsync(() => 1, o)]);
      await expectAsyncEnds([
        (o) => dict.getAsync("n", o),
        (o) => dict.hasAsync("n", o),
        (o) => dict.setAsync("n", 5, o),
        (o) => dict.deleteAsync("n", o),
      ]);
      const pending = Promise.all([
        dict.getAsync("n", wait),
        dict.hasAsync("missing", wait),
        dict.setAsync("m", 7, wait),
        dict.deleteAsync("gone", wait),
      ]);
      await release();
      expect(await pending).toEqual([1, false, dict, true]);
    });
    expect(dict.snapshot()).toEqual(
      new Map([
        ["n", 1],
        ["m", 7],
      ]),
    );
    expect(dict.tryGet("n")).toEqual({ ok: true, value: 1 });
    expect(dict.tryGet("missing")).toEqual({ ok: true, value: undefined });
    expect(dict.trySet("n", 2)).toBe(true);
    expect(dict.tryDelete("m")).toEqual({ ok: true, value: true });
    expect(dict.tryDelete("m")).toEqual({ ok: true, value: false });
    expect(dict.get("n", { timeout: 1000 })).toBe(2);
    expect(dict.has("n", { timeout: 0 })).toBe(true);
    dict.clear({ timeout: 1000 });
    expect(dict.size).toBe(0);
  }, 60_000);
});

describe("SharedList push/pop/get/set/clear: timeout, async and try forms while another worker holds the lock", () => {
  it("timeouts throw, try forms report busy, async forms abort and time out; nothing changes; pending async forms resolve once the holder releases", async () => {
    const list = new SharedList<string>(["a", "b", "c"]);
    await whileHeld("holdListLock", list.handle, async (release) => {
      const t = { timeout: 20 };
      expect(() => list.pop(undefined, t)).toThrow(TimeoutError);
      expect(() => list.get(0, t)).toThrow(TimeoutError);
      expect(() => list.set(0, "x", t)).toThrow(TimeoutError);
      expect(() => list.clear(t)).toThrow(TimeoutError);
      expect(() => list.get(0, { timeout: -1 })).toThrow(RangeError);
      await expect(list.pushAsync(["x"], "soon" as never)).rejects.toBeInstanceOf(TypeError);
      await expect(list.pushAsync("x" as never)).rejects.toBeInstanceOf(TypeError);
      expect(list.tryPush(["x"])).toEqual({ ok: false });
      expect(list.tryPop()).toEqual({ ok: false });
      expect(list.tryGet(0)).toEqual({ ok: false });
      expect(list.trySet(0, "x")).toBe(false);
      // Python's list methods and atomically: the same three forms.
      expect(() => list.insert(0, "x", t)).toThrow(TimeoutError);
      expect(() => list.remove("a", t)).toThrow(TimeoutError);
      expect(() => list.extend(["x"], t)).toThrow(TimeoutError);
      expect(() => list.index("a", undefined, undefined, t)).toThrow(TimeoutError);
      expect(() => list.count("a", t)).toThrow(TimeoutError);
      expect(() => list.reverse(t)).toThrow(TimeoutError);
      expect(() => list.sort(undefined, t)).toThrow(TimeoutError);
      expect(() => list.atomically(() => 1, t)).toThrow(TimeoutError);
      expect(list.tryInsert(0, "x")).toBe(false);
      expect(list.tryRemove("a")).toBe(false);
      expect(list.tryExtend(["x"])).toEqual({ ok: false });
      expect(list.tryIndex("a")).toEqual({ ok: false });
      expect(list.tryCount("a")).toEqual({ ok: false });
      expect(list.tryReverse()).toBe(false);
      expect(list.trySort()).toBe(false);
      expect(list.tryAtomically(() => 1)).toEqual({ ok: false });
      await expectAsyncEnds([
        (o) => list.insertAsync(0, "x", o),
        (o) => list.removeAsync("a", o),
        (o) => list.extendAsync(["x"], o),
        (o) => list.indexAsync("a", undefined, undefined, o),
        (o) => list.countAsync("a", o),
        (o) => list.reverseAsync(o),
        (o) => list.sortAsync(undefined, o),
        (o) => list.atomicallyAsync(() => 1, o),
      ]);
      await expectAsyncEnds([
        (o) => list.pushAsync(["x"], o),
        (o) => list.popAsync(undefined, o),
        (o) => list.getAsync(0, o),
        (o) => list.setAsync(0, "x", o),
      ]);
      expect(list.length).toBe(3);
      const got = list.getAsync(-1, wait);
      const popped = list.popAsync(0, wait);
      await release();
      expect(await got).toBe("c");
      expect(await popped).toBe("a");
    });
    expect(list.slice()).toEqual(["b", "c"]);
    await list.setAsync(0, "B", wait);
    expect(await list.pushAsync(["d", "e"], wait)).toBe(4);
    expect(list.tryPush(["f"])).toEqual({ ok: true, value: 5 });
    expect(list.tryPop()).toEqual({ ok: true, value: "f" });
    expect(list.tryGet(-1)).toEqual({ ok: true, value: "e" });
    expect(list.trySet(-1, "E")).toBe(true);
    expect(list.pop(1, { timeout: 1000 })).toBe("c");
    expect(list.slice()).toEqual(["B", "d", "E"]);
    list.clear({ timeout: 1000 });
    expect(list.tryPop()).toEqual({ ok: true, value: undefined });
  }, 60_000);
});

describe("Namespace get/set: timeout, async and try forms while another worker holds the lock", () => {
  it("timeouts throw, try forms report busy, async forms resolve once the holder releases", async () => {
    const ns = new Namespace<{ epoch: number }>({ epoch: 1 });
    await whileHeld("holdNamespaceLock", ns.handle, async (release) => {
      expect(() => ns.get("epoch", { timeout: 20 })).toThrow(TimeoutError);
      expect(() => ns.set("epoch", 2, { timeout: 20 })).toThrow(TimeoutError);
      expect(ns.tryGet("epoch")).toEqual({ ok: false });
      expect(ns.trySet("epoch", 2)).toBe(false);
      await expectAsyncEnds([(o) => ns.getAsync("epoch", o)]);
      const set = ns.setAsync("epoch", 3, wait);
      await release();
      await set;
    });
    expect(ns.get("epoch", { timeout: 1000 })).toBe(3);
    expect(ns.tryGet("epoch")).toEqual({ ok: true, value: 3 });
  }, 60_000);
});
