import { ClosedError, InvalidHandleError, revive, share, TimeoutError } from "@sabkit/core";
import { runInWorkers, scaled, testSeed } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { RingBuffer } from "../src/index.js";
import { startRingIndicesAt } from "../src/internal.js";

const scenarios = new URL("./scenarios/ring.scenario.ts", import.meta.url);

describe("RingBuffer in one thread", () => {
  it("push and pop copy as many values as fit, return how many, and wrap around the end", () => {
    const ring = new RingBuffer(Float64Array, 5);
    expect(ring.push(new Float64Array([1, 2, 3, 4, 5, 6, 7]))).toBe(5);
    expect(ring.availableWrite).toBe(0);
    const into = new Float64Array(3);
    expect(ring.pop(into)).toBe(3);
    expect([...into]).toEqual([1, 2, 3]);
    expect(ring.push([8, 9, 10])).toBe(3); // wraps: slots 0..2
    const all = new Float64Array(10);
    expect(ring.pop(all)).toBe(5);
    expect([...all.subarray(0, 5)]).toEqual([4, 5, 8, 9, 10]);
    expect(ring.pop(all)).toBe(0);
  });

  it("tryPushValue and tryPopValue move one value at a time and report a full or empty ring, BigInt64Array included", () => {
    const ring = new RingBuffer(BigInt64Array, 2);
    expect([ring.tryPushValue(1n), ring.tryPushValue(-2n), ring.tryPushValue(3n)]).toEqual([
      true,
      true,
      false,
    ]);
    expect([ring.tryPopValue(), ring.tryPopValue(), ring.tryPopValue()]).toEqual([
      1n,
      -2n,
      undefined,
    ]);
  });

  it("a wait for room or data ends in TimeoutError, an abort rejects the async form, and a freed slot lets a waiting push finish", async () => {
    const ring = new RingBuffer(Int32Array, 2);
    expect(() => ring.popSome(new Int32Array(1), { timeout: 20 })).toThrow(TimeoutError);
    ring.pushAll(new Int32Array([1, 2]));
    expect(() => ring.pushAll(new Int32Array([3]), { timeout: 20 })).toThrow(TimeoutError);
    const controller = new AbortController();
    const waiting = ring.pushAllAsync(new Int32Array([3]), { signal: controller.signal });
    controller.abort("enough");
    await expect(waiting).rejects.toMatchObject({ name: "AbortError", cause: "enough" });
    const later = ring.pushAllAsync(new Int32Array([3]), { timeout: 2000 });
    expect(ring.tryPopValue()).toBe(1);
    await later;
    expect(ring.availableRead).toBe(2);
  });

  it("pushValue and popValue (blocking and async) keep values in order and end in TimeoutError, AbortError or ClosedError", async () => {
    const ring = new RingBuffer(Int32Array, 2);
    expect(() => ring.popValue({ timeout: 20 })).toThrow(TimeoutError);
    await expect(ring.popValueAsync({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    ring.pushValue(-5);
    await ring.pushValueAsync(7);
    expect(() => ring.pushValue(9, { timeout: 20 })).toThrow(TimeoutError);
    expect(() => ring.pushValue(9, { timeout: 20 })).toThrow(/RingBuffer\.pushValue/);
    const controller = new AbortController();
    const blocked = ring.pushValueAsync(9, { signal: controller.signal });
    controller.abort("stop");
    await expect(blocked).rejects.toMatchObject({ name: "AbortError", cause: "stop" });
    const later = ring.pushValueAsync(11, { timeout: 5000 });
    expect(ring.popValue()).toBe(-5);
    await later;
    expect([ring.popValue(), await ring.popValueAsync()]).toEqual([7, 11]);
    const waiting = ring.popValueAsync({ timeout: 5000 });
    setTimeout(() => ring.close(), 10);
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    expect(() => ring.popValue()).toThrow(ClosedError);
    expect(() => ring.pushValue(1)).toThrow(ClosedError);
    await expect(ring.pushValueAsync(1)).rejects.toBeInstanceOf(ClosedError);
  });

  it("a timed-out pushAll says in its error how many leading values it wrote", async () => {
    const ring = new RingBuffer(Int32Array, 3);
    ring.pushAll([1]);
    const written = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as Error).message).toMatch(/2 values were pushed/);
        return (error as { written?: number }).written;
      }
      return "no error";
    };
    expect(written(() => ring.pushAll([2, 3, 4, 5], { timeout: 20 }))).toBe(2);
    expect(ring.tryPopValue()).toBe(1);
    expect(ring.tryPopValue()).toBe(2);
    const late = await ring.pushAllAsync([6, 7, 8], { timeout: 20 }).catch((error) => error);
    expect(late).toBeInstanceOf(TimeoutError);
    expect(late.written).toBe(2);
    const into = new Int32Array(3);
    expect([ring.pop(into), ...into]).toEqual([3, 3, 6, 7]);
  });

  it("a ring placed at a byteOffset of the caller's buffer works there and revives from its handle", () => {
    const bytes = RingBuffer.byteLength(Float64Array, 10);
    expect(bytes).toBe(256 + 80);
    expect(RingBuffer.alignment).toBe(8);
    const buffer = new SharedArrayBuffer(64 + bytes + 16);
    new Uint8Array(buffer).fill(0xff); // placement zeroes its region
    const ring = new RingBuffer(Float64Array, 10, { buffer, byteOffset: 64 });
    expect(ring.handle).toMatchObject({ buffer, byteOffset: 64, byteLength: bytes, capacity: 10 });
    expect(ring.availableRead).toBe(0);
    ring.pushAll([1.5, 2.5]);
    const other = RingBuffer.from<Float64Array>(ring.handle);
    expect([other.popValue(), other.popValue()]).toEqual([1.5, 2.5]);
    expect(new Uint8Array(buffer, 0, 64).every((b) => b === 0xff)).toBe(true); // outside untouched
    expect(new Uint8Array(buffer, 64 + bytes).every((b) => b === 0xff)).toBe(true);
    expect(() => new RingBuffer(Float64Array, 10, { buffer, byteOffset: 4 })).toThrow(
      /multiple of 8/,
    );
    expect(() => new RingBuffer(Float64Array, 10, { buffer, byteOffset: 88 })).toThrow(
      InvalidHandleError,
    );
    expect(() => new RingBuffer(Float64Array, 10, { byteOffset: 0 })).toThrow(TypeError);
    expect(() => RingBuffer.byteLength(Float64Array, 0)).toThrow(RangeError);
    expect(() => RingBuffer.byteLength(Array as never, 4)).toThrow(TypeError);
  });

  it("bad options are a RangeError or TypeError even when no wait is needed", () => {
    const ring = new RingBuffer(Float64Array, 4);
    expect(() => ring.pushValue(1, { timeout: -5 })).toThrow(RangeError);
    expect(() => ring.pushAll([1], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => ring.pushAll([1], { signal: "no" as never })).toThrow(TypeError);
    ring.pushAll([1, 2]);
    expect(() => ring.popValue({ timeout: -1 })).toThrow(RangeError);
    expect(() => ring.popSome(new Float64Array(1), { timeout: -1 })).toThrow(RangeError);
    expect(ring.availableRead).toBe(2); // nothing was taken by the refused calls
  });

  it("after close(), a push throws ClosedError even when there is room", () => {
    const ring = new RingBuffer(Uint8Array, 4);
    ring.close();
    expect(() => ring.push(new Uint8Array([1]))).toThrow(ClosedError);
    expect(() => ring.tryPushValue(1)).toThrow(ClosedError);
    expect(() => ring.pushAll([1])).toThrow(ClosedError);
    expect(ring.availableRead).toBe(0);
  });

  it("after close() pushes are refused, pops drain what was left then throw ClosedError, and a waiting pop wakes", async () => {
    const ring = new RingBuffer(Uint8Array, 4);
    ring.push(new Uint8Array([7]));
    const empty = new RingBuffer(Uint8Array, 4);
    const waiting = empty.popSomeAsync(new Uint8Array(2), { timeout: 5000 });
    setTimeout(() => empty.close(), 10);
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    ring.close();
    ring.close();
    expect(() => ring.push(new Uint8Array(4))).toThrow(ClosedError);
    expect(ring.tryPopValue()).toBe(7);
    expect(() => ring.pop(new Uint8Array(1))).toThrow(ClosedError);
    expect(() => ring.popSome(new Uint8Array(1))).toThrow(ClosedError);
  });

  it("a bad capacity, element type, value or handle is refused with a typed error", () => {
    for (const capacity of [0, -1, Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY]) {
      expect(() => new RingBuffer(Float64Array, capacity)).toThrow(RangeError);
    }
    expect(() => new RingBuffer(Array as never, 4)).toThrow(TypeError);
    const ring = new RingBuffer(Float64Array, 8);
    expect(() => ring.push("abc" as never)).toThrow(TypeError);
    const h = ring.handle;
    expect(() => RingBuffer.from({ ...h, kind: "queue" })).toThrow(InvalidHandleError);
    expect(() => RingBuffer.from({ ...h, version: 9 })).toThrow(InvalidHandleError);
    expect(() => RingBuffer.from({ ...h, capacity: 9 })).toThrow(InvalidHandleError);
    expect(() => RingBuffer.from({ ...h, elementType: "Int32Array" })).toThrow(InvalidHandleError);
    expect(() => RingBuffer.from({ ...h, elementType: "Array" })).toThrow(InvalidHandleError);
    expect(() => RingBuffer.from({ ...h, buffer: new ArrayBuffer(h.byteLength) })).toThrow(
      InvalidHandleError,
    );
    expect(() => RingBuffer.from({ ...h, buffer: new SharedArrayBuffer(h.byteLength) })).toThrow(
      /never initialised/,
    );
    // The data of a Float64/BigInt64 ring must be 8-aligned: a 4-aligned region is refused.
    const wide = new SharedArrayBuffer(h.byteLength + 8);
    expect(() => RingBuffer.from({ ...h, buffer: wide, byteOffset: 4 })).toThrow(
      InvalidHandleError,
    );
    expect(() => RingBuffer.from({ ...h, buffer: wide, byteOffset: 4 })).toThrow(/multiple of 8/);
    const [back] = revive<[RingBuffer]>(structuredClone(share([ring])));
    expect(back).toBeInstanceOf(RingBuffer);
    ring.push([1.5]);
    expect(back?.tryPopValue()).toBe(1.5);
  });
});

describe("RingBuffer across two workers", () => {
  it("moves 10^7 values in 1,024-value blocks with every value checked", async () => {
    const total = scaled(10_000_000);
    const ring = new RingBuffer(Float64Array, 8192);
    const [producer, consumer] = await runInWorkers<number[]>(scenarios, "bulk", {
      workers: 2,
      args: [ring.handle, total, 1024],
      timeoutMs: 120_000,
    });
    expect(producer).toEqual([total, 0]);
    expect(consumer).toEqual([total, 0]);
  }, 130_000);

  it.each([1, 2, 1023, 1024, 1025])(
    "capacity %i with indices pre-wrapped near 2^31: strict order, 0 errors (sync and async forms)",
    async (capacity) => {
      const seed = testSeed();
      for (const useAsync of [false, true]) {
        const total = scaled(capacity < 64 ? 20_000 : 200_000);
        const ring = new RingBuffer(Float64Array, capacity);
        startRingIndicesAt(ring.handle, 2 ** 31 - Math.floor(total / 2)); // crosses 2^31 half way
        const [producer, consumer] = await runInWorkers<number[]>(scenarios, "sequence", {
          workers: 2,
          args: [ring.handle, total, Math.min(2 * capacity + 3, 700), seed, useAsync],
          timeoutMs: 60_000,
        });
        expect(producer, `seed ${seed}`).toEqual([total, 0]);
        expect(consumer, `seed ${seed}`).toEqual([total, 0]);
      }
    },
    130_000,
  );

  it.each([1, 3, 1024])(
    "capacity %i, pushValue/popValue one by one (sync and async), indices near 2^31: strict order, none lost",
    async (capacity) => {
      for (const useAsync of [false, true]) {
        const total = scaled(useAsync ? 20_000 : 200_000);
        const ring = new RingBuffer(Float64Array, capacity);
        startRingIndicesAt(ring.handle, 2 ** 31 - Math.floor(total / 2));
        const [producer, consumer] = await runInWorkers<number[]>(scenarios, "oneByOne", {
          workers: 2,
          args: [ring.handle, total, useAsync],
          timeoutMs: 60_000,
        });
        expect(producer, `async ${useAsync}`).toEqual([total, 0]);
        expect(consumer, `async ${useAsync}`).toEqual([total, 0]);
      }
    },
    130_000,
  );
});
