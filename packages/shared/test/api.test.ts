import { FullError, InvalidHandleError, jsonCodec, TimeoutError } from "@sabkit/core";
import { Lock } from "@sabkit/lock";
import { describe, expect, it } from "vitest";
import {
  CAN_GROW,
  Manager,
  Namespace,
  ShareableList,
  SharedArray,
  SharedDict,
  SharedList,
  SharedMemory,
  Value,
} from "../src/index.js";
import { SLOTS, TOP } from "../src/internal.js";

describe("SharedDict", () => {
  it(`keeps each key's value apart (number 1 and string "1", -0 and 0 one key), counts, deletes and clears them`, () => {
    const dict = new SharedDict<string | number, unknown>([["a", 1]]);
    dict.set(1, "number one").set("1", "string one").set(-0, "zero");
    expect(dict.get("a")).toBe(1);
    expect(dict.get(1)).toBe("number one");
    expect(dict.get("1")).toBe("string one");
    expect(dict.get(0)).toBe("zero");
    expect(dict.has("missing")).toBe(false);
    expect(dict.size).toBe(4);
    expect(dict.delete("a")).toBe(true);
    expect(dict.delete("a")).toBe(false);
    expect(dict.size).toBe(3);
    dict.set("\ud800lone", new Map([[1n, new Date(5)]]));
    expect(dict.get("\ud800lone")).toEqual(new Map([[1n, new Date(5)]]));
    expect(new Set(dict.keys())).toEqual(new Set([1, "1", 0, "\ud800lone"]));
    dict.clear();
    expect(dict.size).toBe(0);
    expect([...dict]).toEqual([]);
  });

  it("update: fn sees the current value and presence; a throwing fn changes nothing", () => {
    const dict = new SharedDict<string, number>();
    expect(dict.update("n", (v, present) => (present ? 100 : (v ?? 0) + 1))).toBe(1);
    expect(dict.update("n", (v = 0) => v + 1)).toBe(2);
    expect(() =>
      dict.update("n", () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(dict.get("n")).toBe(2);
    expect(() => dict.update("n", 5 as never)).toThrow(TypeError);
  });

  it("rejects bad keys and values with typed errors and stays intact", () => {
    const dict = new SharedDict<string, unknown>();
    dict.set("kept", 1);
    for (const key of [{}, null, undefined, 1n, Symbol("s"), true]) {
      expect(() => dict.set(key as never, 1)).toThrow(TypeError);
      expect(() => dict.get(key as never)).toThrow(TypeError);
    }
    expect(() => dict.set("f", () => 1)).toThrow();
    expect(dict.size).toBe(1);
    expect(dict.get("kept")).toBe(1);
  });

  it("oversize values: FullError at maxByteLength (documented capacity), nothing lost", () => {
    const dict = new SharedDict<string, string>(undefined, {
      byteLength: 4096,
      maxByteLength: 8192,
    });
    dict.set("small", "x");
    expect(() => dict.set("big", "y".repeat(20_000))).toThrow(FullError);
    expect(dict.get("small")).toBe("x");
    expect(dict.has("big")).toBe(false);
    let n = 0;
    try {
      for (; n < 10_000; n++) dict.set(`k${n}`, "z".repeat(20));
    } catch (error) {
      expect(error).toBeInstanceOf(FullError);
    }
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(10_000);
    expect(dict.size).toBe(n + 1);
    for (let i = 0; i < n; i++) expect(dict.get(`k${i}`)).toBe("z".repeat(20));
    // Deleting makes room again (compaction).
    for (let i = 0; i < n; i++) dict.delete(`k${i}`);
    dict.set("again", "w".repeat(100));
    expect(dict.get("again")).toBe("w".repeat(100));
  });

  it("grows a growable buffer and reuses space after many overwrites", () => {
    expect(CAN_GROW).toBe(true);
    const dict = new SharedDict<string, number>(undefined, { byteLength: 1024 });
    for (let round = 0; round < 50; round++) for (let i = 0; i < 100; i++) dict.set(`k${i}`, round);
    expect(dict.size).toBe(100);
    expect(dict.handle.buffer.byteLength).toBeLessThan(64 * 1024);
    for (let i = 0; i < 100; i++) expect(dict.get(`k${i}`)).toBe(49);
  });

  it("from(handle) sees the same entries with the codec named in the handle, and refuses a handle of another kind, version, buffer, size or codec", () => {
    const dict = new SharedDict<string, unknown>(undefined, { codec: jsonCodec });
    dict.set("a", { x: 1 });
    const again = SharedDict.from<string, unknown>(dict.handle);
    expect(again.get("a")).toEqual({ x: 1 });
    expect(again.codec).toBe(jsonCodec);
    const list = new SharedList();
    expect(() => SharedDict.from(list.handle)).toThrow(InvalidHandleError);
    expect(() => SharedDict.from({ ...dict.handle, version: 99 })).toThrow(InvalidHandleError);
    expect(() => SharedDict.from({ ...dict.handle, buffer: new ArrayBuffer(64) })).toThrow(
      InvalidHandleError,
    );
    expect(() => SharedDict.from({ ...dict.handle, byteLength: 4 })).toThrow(InvalidHandleError);
    expect(() => SharedDict.from({ ...dict.handle, codec: "nope" })).toThrow(InvalidHandleError);
    expect(() => SharedDict.from(null)).toThrow(InvalidHandleError);
    expect(() => Namespace.from(dict.handle)).toThrow(InvalidHandleError);
  });

  it("corrupted header words give InvalidHandleError, not a hang or a misread", () => {
    const dict = new SharedDict<string, number>([["a", 1]]);
    const i32 = new Int32Array(dict.handle.buffer);
    const slots = i32[SLOTS] as number;
    i32[SLOTS] = 3;
    expect(() => dict.get("a")).toThrow(InvalidHandleError);
    i32[SLOTS] = slots;
    const top = i32[TOP] as number;
    i32[TOP] = 1 << 30;
    expect(() => dict.set("b", 2)).toThrow(InvalidHandleError);
    i32[TOP] = top;
    expect(dict.get("a")).toBe(1);
  });

  it("using the dict while holding getLock() is a DeadlockError, not a hang; inside update it works", () => {
    const dict = new SharedDict<string, number>([["b", 4]]);
    dict.getLock().acquire();
    expect(() => dict.get("a")).toThrow(expect.objectContaining({ code: "ERR_SABKIT_DEADLOCK" }));
    dict.getLock().release();
    // update's function runs with the lock held by this dict: its operations do not re-lock.
    expect(dict.update("a", () => (dict.get("b") ?? 0) + 1)).toBe(5);
    expect(dict.update("a", (n = 0) => (dict.delete("b") ? n * 10 : -1))).toBe(50);
    expect([...dict]).toEqual([["a", 50]]);
  });

  it("bad options are typed errors", () => {
    expect(() => new SharedDict(undefined, 5 as never)).toThrow(TypeError);
    expect(() => new SharedDict(undefined, { codec: {} as never })).toThrow(TypeError);
    expect(() => new SharedDict(undefined, { byteLength: 10 })).toThrow(RangeError);
    expect(() => new SharedDict(undefined, { maxByteLength: -1 })).toThrow(RangeError);
  });
});

describe("SharedList", () => {
  it("reads, replaces, slices and pops items at Python indices (negative from the end)", () => {
    const list = new SharedList<unknown>([1, "two"]);
    expect(list.push({ three: 3 }, [4])).toBe(4);
    expect(list.get(-1)).toEqual([4]);
    list.set(0, "one");
    expect(list.slice()).toEqual(["one", "two", { three: 3 }, [4]]);
    expect(list.slice(1, -1)).toEqual(["two", { three: 3 }]);
    expect(list.pop()).toEqual([4]);
    expect(list.pop(0)).toBe("one");
    expect([...list]).toEqual(["two", { three: 3 }]);
    expect(list.length).toBe(2);
    list.clear();
    expect(list.pop()).toBeUndefined();
  });

  it("bad indices are RangeError/TypeError; overflow is FullError with nothing appended", () => {
    const list = new SharedList<string>(["a"], { byteLength: 2048, maxByteLength: 4096 });
    expect(() => list.get(1)).toThrow(RangeError);
    expect(() => list.get(-2)).toThrow(RangeError);
    expect(() => list.set(5, "x")).toThrow(RangeError);
    expect(() => list.get(0.5)).toThrow(TypeError);
    expect(() => list.push("x".repeat(10_000))).toThrow(FullError);
    expect(list.slice()).toEqual(["a"]);
    expect(() => SharedList.from(new SharedDict().handle)).toThrow(InvalidHandleError);
  });
});

describe("Value and SharedArray", () => {
  it("accepts a type by name or Python code, adds and compare-exchanges atomically on integers, and refuses atomics on floats and values of the wrong type", () => {
    expect(new Value("i", 7).type).toBe("int32");
    expect(new Value("d", 1.5).value).toBe(1.5);
    const u8 = new Value("B", 255);
    expect(u8.add(1)).toBe(255);
    expect(u8.value).toBe(0);
    const q = new Value("q", 5n);
    expect(q.compareExchange(5n, 6n)).toBe(5n);
    expect(q.compareExchange(5n, 7n)).toBe(6n);
    expect(() => new Value("d").add(1)).toThrow(TypeError);
    expect(() => new Value("x" as never)).toThrow(TypeError);
    expect(() => new Value("i", 1n as never)).toThrow(TypeError);
    expect(() => new Value("q", 1 as never)).toThrow(TypeError);
    expect(() => {
      new Value("i").value = "1" as never;
    }).toThrow(TypeError);
    expect(() => new Value("i", 0, { lock: "yes" as never })).toThrow(TypeError);
    const lock = new Lock();
    expect(new Value("i", 0, { lock }).getLock()).toBe(lock);
    expect(() => Value.from(new SharedArray("i", 1).handle)).toThrow(InvalidHandleError);
    const v = new Value("i", 3);
    expect(Value.from(v.handle).value).toBe(3);
    expect(() => Value.from({ ...v.handle, type: "float64" })).toThrow(InvalidHandleError);
  });

  it("a Value placed in the caller's buffer uses its region only and revives from the handle", () => {
    const buffer = new SharedArrayBuffer(Value.alignment + 2 * Value.byteLength);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xee);
    const byteOffset = Value.alignment;
    const v = new Value("i", 41, { buffer, byteOffset, lock: false });
    expect(v.handle.buffer).toBe(buffer);
    expect(v.handle.byteOffset).toBe(byteOffset);
    expect(v.add(1)).toBe(41);
    expect(Value.from<"i">(v.handle).value).toBe(42);
    // The bytes around the region are untouched.
    expect(bytes.subarray(0, byteOffset).every((b) => b === 0xee)).toBe(true);
    expect(bytes.subarray(byteOffset + Value.byteLength).every((b) => b === 0xee)).toBe(true);
    expect(() => new Value("i", 0, { buffer, byteOffset: 1 })).toThrow(InvalidHandleError);
    expect(() => new Value("i", 0, { buffer, byteOffset: buffer.byteLength })).toThrow(
      InvalidHandleError,
    );
    expect(() => new Value("i", 0, { byteOffset: 0 })).toThrow(TypeError);
  });

  it("a SharedArray made from a length or from items is one memory with its revived copy; without a lock getLock() is a TypeError", () => {
    const a = new SharedArray("d", [1, 2.5]);
    expect(a.toArray()).toEqual([1, 2.5]);
    expect(a.length).toBe(2);
    const b = SharedArray.from<"d">(a.handle);
    b.array[0] = 4;
    expect(a.array[0]).toBe(4);
    expect(new SharedArray("i", 3, { lock: false }).toArray()).toEqual([0, 0, 0]);
    expect(() => new SharedArray("i", 3, { lock: false }).getLock()).toThrow(TypeError);
    expect(() => new SharedArray("i", -1)).toThrow(RangeError);
    expect(() => new SharedArray("i", ["a"] as never)).toThrow(TypeError);
    expect(() => new SharedArray("i", {} as never)).toThrow(TypeError);
    expect(() => SharedArray.from({ ...a.handle, length: 100 })).toThrow(InvalidHandleError);
  });
});

describe("Namespace, Manager, SharedMemory, ShareableList", () => {
  it("a Namespace reads and writes attributes, snapshots them as an object, and revives from its handle", () => {
    const ns = new Namespace<{ epoch: number; best: string | null }>({ epoch: 0, best: null });
    ns.set("epoch", 2);
    expect(ns.get("epoch")).toBe(2);
    expect(ns.toObject()).toEqual({ epoch: 2, best: null });
    expect(Namespace.from(ns.handle).get("best")).toBeNull();
    expect(() => new Namespace(5 as never)).toThrow(TypeError);
  });

  it("Manager makes every Python factory's object and refuses after shutdown", async () => {
    let kept: Manager;
    {
      await using manager = new Manager();
      kept = manager;
      expect(manager.dict({ a: 1 }).get("a")).toBe(1);
      expect(manager.list([1]).length).toBe(1);
      expect(manager.Namespace({ x: 1 }).get("x")).toBe(1);
      expect(manager.Value("i", 3).value).toBe(3);
      expect(manager.Array("i", 2).length).toBe(2);
      expect(manager.Lock().tryAcquire()).toBe(true);
      expect(manager.RLock().tryAcquire()).toBe(true);
      expect(manager.Semaphore(2).tryAcquire()).toBe(true);
      expect(manager.BoundedSemaphore(1).tryAcquire()).toBe(true);
      expect(manager.Event().isSet()).toBe(false);
      expect(manager.Barrier(2).parties).toBe(2);
      const q = manager.Queue<number>(4);
      q.put(1);
      expect(q.get()).toBe(1);
      expect(manager.JoinableQueue().qsize()).toBe(0);
      expect(manager.Condition()).toBeDefined();
    }
    expect(kept.closed).toBe(true);
    expect(() => kept.dict()).toThrow(expect.objectContaining({ code: "ERR_SABKIT_CLOSED" }));
  });

  it("a SharedMemory block attached by name shares its bytes, is tracked until unlinked, and cannot be found after unlink", async () => {
    const shm = SharedMemory.create("api-block", 10);
    expect(shm.size).toBe(10);
    expect(() => SharedMemory.create("api-block", 10)).toThrow(/exists/);
    const same = await SharedMemory.attach("api-block");
    same.buf[3] = 5;
    expect(shm.buf[3]).toBe(5);
    expect(SharedMemory.leaked()).toContain("api-block");
    shm.unlink();
    expect(SharedMemory.leaked()).not.toContain("api-block");
    await expect(SharedMemory.attach("api-block", { timeout: 200 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(() => SharedMemory.create("", 1)).toThrow(TypeError);
    expect(() => SharedMemory.create("x", 0)).toThrow(RangeError);
    expect(() => SharedMemory.from({ ...shm.handle, size: 99 })).toThrow(InvalidHandleError);
  });

  it("a ShareableList keeps each item in the room it was created with, refuses larger or unsupported items, and detects a corrupted count", () => {
    const list = ShareableList.create("api-list", [1.5, "abc", 2n, false, null]);
    try {
      expect([...list]).toEqual([1.5, "abc", 2n, false, null]);
      list.set(1, "abcdefgh");
      list.set(4, 7);
      expect(list.get(-4)).toBe("abcdefgh");
      expect(list.get(4)).toBe(7);
      expect(() => list.set(1, "a".repeat(50))).toThrow(RangeError);
      expect(() => list.set(0, {} as never)).toThrow(TypeError);
      expect(() => list.get(5)).toThrow(RangeError);
      expect(list.count(7)).toBe(1);
      expect(list.index(2n)).toBe(2);
      expect(ShareableList.from(list.handle).get(0)).toBe(1.5);
      new DataView(list.shm.buf.buffer, list.shm.buf.byteOffset).setInt32(0, 1 << 20, true);
      expect(() => ShareableList.from(list.handle)).toThrow(InvalidHandleError);
    } finally {
      list.shm.unlink();
    }
  });
});
