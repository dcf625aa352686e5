import {
  bytesCodec,
  ClosedError,
  type Codec,
  EmptyError,
  FullError,
  InvalidHandleError,
  jsonCodec,
  revive,
  share,
  TimeoutError,
} from "@sabkit/core";
import { describe, expect, it } from "vitest";
import { JoinableQueue, Queue, SimpleQueue } from "../src/index.js";
import { DATA_OFFSET } from "../src/internal.js";

const code = (c: string) => expect.objectContaining({ code: c });

describe("Queue: Python's semantics in one thread", () => {
  it("returns items in the order they were put, and qsize, empty and full track every put and get", () => {
    const queue = new Queue<number>({ maxSize: 3 });
    expect(queue.empty()).toBe(true);
    queue.put(1);
    queue.put(2);
    queue.put(3);
    expect([queue.qsize(), queue.size, queue.full(), queue.empty()]).toEqual([3, 3, true, false]);
    expect([queue.get(), queue.get(), queue.get()]).toEqual([1, 2, 3]);
    expect(queue.full()).toBe(false);
  });

  it("with maxSize <= 0 the item count is unbounded and only the ring's bytes bound it", () => {
    for (const maxSize of [0, -1, undefined]) {
      const queue = new Queue<number>({ maxSize, capacity: 1024 });
      expect(queue.maxSize).toBe(0);
      let n = 0;
      while (queue.tryPut(n)) n++;
      // 5-byte int messages take 12 bytes each (4 + 5 rounded up to 8).
      expect(n).toBe(Math.floor(1024 / 12));
      expect(queue.full()).toBe(false);
    }
  });

  it("putNowait on a full queue throws FullError and getNowait on an empty one EmptyError, where tryPut and tryGet report false", () => {
    const queue = new Queue<string>({ maxSize: 1 });
    expect(queue.tryGet()).toEqual({ ok: false });
    expect(() => queue.getNowait()).toThrow(EmptyError);
    queue.putNowait("a");
    expect(queue.tryPut("b")).toBe(false);
    expect(() => queue.putNowait("b")).toThrow(FullError);
    expect(queue.tryGet()).toEqual({ ok: true, value: "a" });
  });

  it("a get or put that cannot finish within its timeout throws TimeoutError, and timeout 0 tries exactly once", () => {
    const queue = new Queue<number>({ maxSize: 1 });
    const start = performance.now();
    expect(() => queue.get({ timeout: 30 })).toThrow(TimeoutError);
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
    queue.put(1, { timeout: 0 });
    expect(() => queue.put(2, { timeout: 0 })).toThrow(TimeoutError);
    expect(() => queue.put(2, { timeout: 20 })).toThrow(code("ERR_SABKIT_TIMEOUT"));
    expect(queue.get({ timeout: 0 })).toBe(1);
  });

  it("putMany and getMany move batches in order, and getMany returns between 1 and max items", () => {
    const queue = new Queue<number>();
    queue.putMany([1, 2, 3, 4, 5]);
    expect(queue.getMany(2)).toEqual([1, 2]);
    expect(queue.getMany(10)).toEqual([3, 4, 5]);
    expect(queue.tryGetMany(10)).toEqual([]);
    expect(queue.tryPutMany(new Set([6, 7]))).toBe(2);
    expect(queue.getMany(1)).toEqual([6]);
  });

  it("putMany waits for room as consumers take (here: a batch larger than maxSize, drained async)", async () => {
    const queue = new Queue<number>({ maxSize: 2 });
    const items = Array.from({ length: 50 }, (_, i) => i);
    const put = queue.putManyAsync(items, { timeout: 5000 });
    const got: number[] = [];
    while (got.length < 50) got.push(...(await queue.getManyAsync(7, { timeout: 5000 })));
    await put;
    expect(got).toEqual(items);
  });

  it("tryPutMany puts the leading items that fit and says how many", () => {
    const queue = new Queue<number>({ maxSize: 3 });
    expect(queue.tryPutMany([1, 2, 3, 4, 5])).toBe(3);
    expect(queue.getMany(5)).toEqual([1, 2, 3]);
  });

  it("round-trips structured values through the default codec", () => {
    const queue = new Queue<unknown>();
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const values = [
      0,
      -0,
      Number.NaN,
      2n ** 70n,
      "ü✓",
      new Map([[1, new Set([2])]]),
      new Date(5),
      /x/g,
      new Float64Array([1.5]),
      cyclic,
      undefined,
      null,
    ];
    queue.putMany(values);
    const out = queue.getMany(100);
    expect(out.slice(0, 9)).toEqual(values.slice(0, 9));
    expect(Object.is(out[1], -0)).toBe(true);
    const back = out[9] as Record<string, unknown>;
    expect(back.self).toBe(back);
    expect(out.slice(10)).toEqual([undefined, null]);
  });

  it("getAsync waits for a put and putAsync for room, and aborting their signal rejects them with AbortError", async () => {
    const queue = new Queue<number>({ maxSize: 1 });
    const pending = queue.getAsync({ timeout: 5000 });
    setTimeout(() => queue.put(42), 10);
    expect(await pending).toBe(42);
    queue.put(1);
    const controller = new AbortController();
    const blocked = queue.putAsync(2, { signal: controller.signal });
    setTimeout(() => controller.abort("stop"), 10);
    await expect(blocked).rejects.toMatchObject({
      name: "AbortError",
      code: "ERR_SABKIT_ABORTED",
      cause: "stop",
    });
    await expect(queue.putAsync(2, { timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    expect(queue.get()).toBe(1);
    expect(queue.empty()).toBe(true); // the aborted put left nothing behind
    const aborted = new AbortController();
    aborted.abort();
    await expect(queue.getAsync({ signal: aborted.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("waitReadable and waitReadableAsync return once an item is there without taking it, end with TimeoutError or AbortError, and return on close", async () => {
    const q = new Queue<number>();
    expect(() => q.waitReadable({ timeout: 20 })).toThrow(TimeoutError);
    await expect(q.waitReadableAsync({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const aborted = q.waitReadableAsync({ signal: controller.signal });
    controller.abort("enough");
    await expect(aborted).rejects.toMatchObject({ name: "AbortError", cause: "enough" });
    const waiting = q.waitReadableAsync({ timeout: 5000 });
    setTimeout(() => q.put(7), 10);
    await waiting;
    q.waitReadable({ timeout: 0 });
    expect(q.qsize()).toBe(1); // nothing was taken
    expect(q.get()).toBe(7);
    const closing = q.waitReadableAsync({ timeout: 5000 });
    setTimeout(() => q.close(), 10);
    await closing;
    q.waitReadable();
    expect(() => q.get()).toThrow(ClosedError);
  });

  it("a woken waitReadable passes the wake-up on: a getAsync asleep behind it gets the item", async () => {
    const q = new Queue<number>();
    const watching = q.waitReadableAsync({ timeout: 5000 }); // first in line
    let got: number | undefined;
    const getting = q.getAsync({ timeout: 5000 }).then((value) => (got = value));
    q.put(1); // one item: one wake-up, which goes to the watcher
    await watching;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toBe(1); // without the hand-on, the getter sleeps until its timeout
    expect(q.qsize()).toBe(0);
    await getting;
  });

  it("for await receives every item until the queue is closed and drained", async () => {
    const queue = new Queue<number>();
    queue.putMany([1, 2, 3]);
    setTimeout(() => {
      queue.put(4);
      queue.close();
    }, 10);
    const got: number[] = [];
    for await (const item of queue) got.push(item);
    expect(got).toEqual([1, 2, 3, 4]);
  });
});

describe("close()", () => {
  it("makes later puts throw ClosedError and gets drain what is left before throwing ClosedError, and a second close does nothing", async () => {
    const queue = new Queue<number>();
    queue.putMany([1, 2]);
    queue.close();
    queue.close();
    expect(queue.closed).toBe(true);
    expect(() => queue.put(3)).toThrow(ClosedError);
    expect(() => queue.putMany([3])).toThrow(ClosedError);
    expect(() => queue.tryPut(3)).toThrow(ClosedError);
    await expect(queue.putAsync(3)).rejects.toBeInstanceOf(ClosedError);
    expect(queue.get()).toBe(1);
    expect(await queue.getAsync()).toBe(2);
    expect(() => queue.get()).toThrow(ClosedError);
    expect(() => queue.tryGet()).toThrow(ClosedError);
    expect(() => queue.getNowait()).toThrow(ClosedError);
    await expect(queue.getManyAsync(3)).rejects.toBeInstanceOf(ClosedError);
  });

  it("wakes an async get waiting on an empty queue", async () => {
    const queue = new Queue<number>();
    const pending = queue.getAsync({ timeout: 5000 });
    setTimeout(() => queue.close(), 10);
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
  });
});

describe("messages larger than the ring", () => {
  it("fail at put with a RangeError naming the size and the capacity; nothing is put", () => {
    const queue = new Queue<Uint8Array>({ capacity: 64, codec: bytesCodec });
    expect(() => queue.put(new Uint8Array(61))).toThrow(
      /encodes to 61 bytes.*needs 68 bytes.*holds 64 bytes/,
    );
    expect(() => queue.putMany([new Uint8Array(1), new Uint8Array(100)])).toThrow(RangeError);
    expect(queue.qsize()).toBe(0); // the batch was rejected before anything was put
    queue.put(new Uint8Array(60)); // exactly the capacity: 4 + 60
    expect(queue.tryPut(new Uint8Array(0))).toBe(false);
    expect(queue.get()).toEqual(new Uint8Array(60));
    queue.put(new Uint8Array(0)); // empty messages are fine
    expect(queue.get()).toEqual(new Uint8Array(0));
  });
});

describe("codecs", () => {
  it("bytesCodec delivers a copy of the Uint8Array that was put", () => {
    const queue = new Queue<Uint8Array>({ codec: bytesCodec });
    const data = new Uint8Array([1, 2, 3]);
    queue.put(data);
    data[0] = 9;
    const out = queue.get();
    expect(out).toEqual(new Uint8Array([1, 2, 3]));
    expect(out.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it("jsonCodec values round-trip, and a custom codec works in a queue revived with Queue.from(handle, { codec })", () => {
    const json = new Queue({ codec: jsonCodec });
    json.put({ a: [1, "x"] });
    expect(Queue.from(json.handle).get()).toEqual({ a: [1, "x"] });
    const upper: Codec<string> = {
      name: "test.upper",
      encode: (value) => new TextEncoder().encode(value.toUpperCase()),
      decode: (bytes) => new TextDecoder().decode(bytes),
    };
    const queue = new Queue<string>({ codec: upper });
    queue.put("abc");
    expect(() => Queue.from(queue.handle)).toThrow(/codec "test.upper".*not built in/);
    expect(() => Queue.from(queue.handle, { codec: jsonCodec as Codec<never> })).toThrow(
      InvalidHandleError,
    );
    expect(Queue.from<string>(queue.handle, { codec: upper }).get()).toBe("ABC");
  });

  it("a codec's encodeInto and decodeRange fast paths are used when present, and each record stays whole", () => {
    const calls = { into: 0, range: 0 };
    // Writes 3 bytes per value [v, v+1, v+2] and starts with a 1-byte sink so it has to grow it.
    const triple: Codec<number> = {
      name: "test.triple",
      encode: (v) => new Uint8Array([v, v + 1, v + 2]),
      decode: (b) => b[0] as number,
      encodeInto(v, sink) {
        calls.into++;
        if (sink.bytes.length < sink.position + 3) {
          const grown = new Uint8Array(sink.position + 3);
          grown.set(sink.bytes.subarray(0, sink.position));
          sink.bytes = grown;
        }
        sink.bytes.set([v, v + 1, v + 2], sink.position);
        sink.position += 3;
      },
      decodeRange(bytes, start, end) {
        calls.range++;
        expect(end - start).toBe(3);
        expect(bytes[start + 1]).toBe((bytes[start] as number) + 1);
        return bytes[start] as number;
      },
    };
    const queue = new Queue<number>({ codec: triple });
    const values = Array.from({ length: 600 }, (_, i) => i % 250);
    queue.putMany(values);
    queue.put(7);
    expect(queue.tryPut(8)).toBe(true);
    expect(calls.into).toBe(602);
    expect(queue.getMany(600)).toEqual(values);
    expect(queue.get()).toBe(7);
    expect(queue.tryGet()).toEqual({ ok: true, value: 8 });
    expect(calls.range).toBe(602);
  });

  it("an encodeInto that breaks the sink is a TypeError naming the codec; nothing is put and the queue stays usable", () => {
    let mode = "position";
    const broken: Codec<number> = {
      name: "test.broken",
      encode: (v) => new Uint8Array([v]),
      decode: (b) => b[0] as number,
      encodeInto(v, sink) {
        if (mode === "position") sink.position = -1;
        else if (mode === "bytes") sink.bytes = new Uint8Array(new ArrayBuffer(64), 4);
        else {
          sink.bytes[sink.position] = v;
          sink.position += 1;
        }
      },
    };
    const queue = new Queue<number>({ codec: broken });
    expect(() => queue.put(1)).toThrow(
      /codec "test\.broken"\.encodeInto left sink\.position at -1/,
    );
    mode = "bytes";
    expect(() => queue.putMany([1, 2])).toThrow(/test\.broken"\.encodeInto set sink\.bytes/);
    expect(queue.qsize()).toBe(0);
    mode = "ok";
    queue.putMany([3, 4]);
    expect(queue.getMany(5)).toEqual([3, 4]);
  });

  it("an encode error reaches put and puts nothing", () => {
    const queue = new Queue<unknown>();
    expect(() => queue.put(() => 1)).toThrow(TypeError);
    expect(() => queue.putMany([1, Symbol("x")])).toThrow(TypeError);
    expect(queue.qsize()).toBe(0);
  });
});

describe("handles and sharing", () => {
  it("from(handle) attaches to the same memory, and share/revive gives back each queue as its own class", () => {
    const queue = new Queue<number>({ maxSize: 5, capacity: 100 });
    const joinable = new JoinableQueue<number>();
    const simple = new SimpleQueue<number>();
    const [q, j, s] = revive<[Queue<number>, JoinableQueue<number>, SimpleQueue<number>]>(
      structuredClone(share([queue, joinable, simple])),
    );
    expect(q).toBeInstanceOf(Queue);
    expect(j).toBeInstanceOf(JoinableQueue);
    expect(s).toBeInstanceOf(SimpleQueue);
    expect([q?.capacity, q?.maxSize]).toEqual([100, 5]);
    queue.put(7);
    expect(q?.get()).toBe(7);
  });

  it("from() rejects a handle of the wrong kind, version, buffer or size with InvalidHandleError", () => {
    const queue = new Queue<number>({ capacity: 64 });
    const h = queue.handle;
    expect(() => JoinableQueue.from(h)).toThrow(InvalidHandleError);
    expect(() => Queue.from(new JoinableQueue().handle)).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, version: h.version + 1 })).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, buffer: new ArrayBuffer(DATA_OFFSET + 64) })).toThrow(
      InvalidHandleError,
    );
    expect(() => Queue.from({ ...h, capacity: 128 })).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, byteLength: 32 })).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, maxSize: 3 })).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, buffer: new SharedArrayBuffer(DATA_OFFSET + 64) })).toThrow(
      /never initialised/,
    );
    expect(() => Queue.from(null)).toThrow(InvalidHandleError);
    expect(() => Queue.from({ ...h, codec: 5 })).toThrow(InvalidHandleError);
  });
});

describe("bad arguments", () => {
  it.each([0, -1, Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY, "64", 7])(
    "capacity %s is a RangeError",
    (capacity) => {
      expect(() => new Queue({ capacity: capacity as number })).toThrow(RangeError);
    },
  );

  it.each([Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY, "3"])(
    "maxSize %s is a RangeError",
    (maxSize) => {
      expect(() => new Queue({ maxSize: maxSize as number })).toThrow(RangeError);
    },
  );

  it("bad timeouts, signals, counts and codecs are rejected with RangeError or TypeError and put nothing", async () => {
    const queue = new Queue<number>();
    expect(() => queue.get({ timeout: -1 })).toThrow(RangeError);
    expect(() => queue.get({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => queue.put(1, { timeout: "100" as unknown as number })).toThrow(RangeError);
    expect(() => queue.getMany(0)).toThrow(RangeError);
    expect(() => queue.getMany(1.5)).toThrow(RangeError);
    expect(() => queue.tryGetMany(-1)).toThrow(RangeError);
    await expect(queue.getManyAsync(Number.NaN)).rejects.toBeInstanceOf(RangeError);
    await expect(queue.getAsync({ signal: {} as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    expect(() => queue.putMany(5 as unknown as number[])).toThrow(TypeError);
    expect(() => new Queue({ codec: {} as Codec })).toThrow(TypeError);
    expect(() => new Queue(null as unknown as object)).toThrow(TypeError);
    expect(queue.qsize()).toBe(0);
  });
});

describe("JoinableQueue and SimpleQueue", () => {
  it("taskDone called more times than items were put throws RangeError, and join returns once every item is done", async () => {
    const queue = new JoinableQueue<number>();
    expect(() => queue.taskDone()).toThrow(RangeError);
    queue.putMany([1, 2]);
    expect(queue.unfinishedTasks).toBe(2);
    expect(() => queue.join({ timeout: 10 })).toThrow(TimeoutError);
    queue.getMany(2);
    queue.taskDone();
    const joined = queue.joinAsync({ timeout: 5000 });
    setTimeout(() => queue.taskDone(), 10);
    await joined;
    queue.join({ timeout: 0 });
    expect(() => queue.taskDone()).toThrow(/more times than items were put/);
    const controller = new AbortController();
    queue.put(3);
    const waiting = queue.joinAsync({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
  });

  it("SimpleQueue is a Queue with no item bound and a 16 MiB ring", () => {
    const queue = new SimpleQueue<string>();
    expect([queue.maxSize, queue.capacity]).toEqual([0, 2 ** 24]);
    queue.putMany(Array.from({ length: 10_000 }, (_, i) => `item ${i}`));
    expect(queue.qsize()).toBe(10_000);
    expect(queue.get()).toBe("item 0");
  });
});
