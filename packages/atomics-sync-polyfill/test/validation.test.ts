import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { notify, waitAsync, waitSync } from "../src/index.js";
import { setWaitStrategy } from "../src/internal.js";

const shared = () => new Int32Array(new SharedArrayBuffer(16));
const throwingValueOf = {
  valueOf() {
    throw new Error("valueOf must never be called");
  },
};

// Each bad input with the error class it must raise. None of them may reach Atomics.
const badArrays: [string, unknown][] = [
  ["a plain ArrayBuffer", new ArrayBuffer(16)],
  ["an Int32Array over a plain ArrayBuffer", new Int32Array(4)],
  ["a Float64Array over a SharedArrayBuffer", new Float64Array(new SharedArrayBuffer(16))],
  ["a Uint32Array over a SharedArrayBuffer", new Uint32Array(new SharedArrayBuffer(16))],
  ["a DataView over a SharedArrayBuffer", new DataView(new SharedArrayBuffer(16))],
  ["a BigInt64Array over a SharedArrayBuffer", new BigInt64Array(new SharedArrayBuffer(16))],
  ["null", null],
  ["an array", [0, 0]],
];
const badIndexes: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["-1", -1, RangeError],
  ["the length", 4, RangeError],
  ["1.5", 1.5, RangeError],
  ["NaN", Number.NaN, RangeError],
  ["Infinity", Number.POSITIVE_INFINITY, RangeError],
  ['"0"', "0", TypeError],
  ["an object whose valueOf throws", throwingValueOf, TypeError],
];
const badTimeouts: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["NaN", Number.NaN, RangeError],
  ["-1", -1, RangeError],
  ["-Infinity", Number.NEGATIVE_INFINITY, RangeError],
  ['"100"', "100", TypeError],
  ["null", null, TypeError],
  ["an object whose valueOf throws", throwingValueOf, TypeError],
  ["a bigint", 100n, TypeError],
];
const badCounts: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["NaN", Number.NaN, RangeError],
  ["-1", -1, RangeError],
  ["1.5", 1.5, RangeError],
  ["-Infinity", Number.NEGATIVE_INFINITY, RangeError],
  ['"1"', "1", TypeError],
  ["an object whose valueOf throws", throwingValueOf, TypeError],
];
const badExpected: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["NaN", Number.NaN, RangeError],
  ["1.5", 1.5, RangeError],
  ["2^32", 2 ** 32, RangeError],
  ["-2^31 - 1", -(2 ** 31) - 1, RangeError],
  ['"0"', "0", TypeError],
  ["an object whose valueOf throws", throwingValueOf, TypeError],
];

describe.each(["block", "spin"] as const)("waitSync (%s) rejects bad arguments", (sync) => {
  it.each(badArrays)("i32 = %s -> TypeError naming what to pass", (_, bad) => {
    setWaitStrategy({ sync });
    expect(() => waitSync(bad as Int32Array, 0, 0, 0)).toThrow(TypeError);
    expect(() => waitSync(bad as Int32Array, 0, 0, 0)).toThrow(/SharedArrayBuffer/);
  });
  it.each(badIndexes)("index = %s", (_, bad, kind) => {
    expect(() => waitSync(shared(), bad as number, 0, 0)).toThrow(kind);
  });
  it.each(badTimeouts)("timeoutMs = %s", (_, bad, kind) => {
    expect(() => waitSync(shared(), 0, 0, bad as number)).toThrow(kind);
    expect(() => waitSync(shared(), 0, 0, bad as number)).toThrow(/timeoutMs/);
  });
  it.each(badExpected)("expected = %s", (_, bad, kind) => {
    expect(() => waitSync(shared(), 0, bad as number, 0)).toThrow(kind);
  });
});

describe("waitAsync rejects (never throws) on bad arguments", () => {
  it.each(badArrays)("i32 = %s -> TypeError", async (_, bad) => {
    await expect(waitAsync(bad as Int32Array, 0, 0, 0)).rejects.toThrow(TypeError);
  });
  it.each(badIndexes)("index = %s", async (_, bad, kind) => {
    await expect(waitAsync(shared(), bad as number, 0, 0)).rejects.toThrow(kind);
  });
  it.each(badTimeouts)("timeoutMs = %s", async (_, bad, kind) => {
    await expect(waitAsync(shared(), 0, 0, bad as number)).rejects.toThrow(kind);
  });
  it.each([
    ["a string", "abort"],
    ["an object", {}],
    ["null", null],
  ])("signal = %s -> TypeError", async (_, bad) => {
    await expect(waitAsync(shared(), 0, 0, 0, bad as unknown as AbortSignal)).rejects.toThrow(
      /signal must be an AbortSignal/,
    );
  });
});

describe("notify rejects bad arguments", () => {
  it.each(badArrays)("i32 = %s -> TypeError", (_, bad) => {
    expect(() => notify(bad as Int32Array, 0)).toThrow(TypeError);
  });
  it.each(badIndexes)("index = %s", (_, bad, kind) => {
    expect(() => notify(shared(), bad as number)).toThrow(kind);
  });
  it.each(badCounts)("count = %s", (_, bad, kind) => {
    expect(() => notify(shared(), 0, bad as number)).toThrow(kind);
    expect(() => notify(shared(), 0, bad as number)).toThrow(/count/);
  });
  it("accepts 0, large integers (above 2^31 - 1), Infinity and undefined", () => {
    for (const count of [0, 1, 2 ** 31, 2 ** 53, Number.POSITIVE_INFINITY, undefined]) {
      expect(notify(shared(), 0, count)).toBe(0);
    }
  });
});

describe("properties against a sequential model (single thread, nobody notifies)", () => {
  it("waitSync is not-equal iff the value differs, else timed-out for timeout 0", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        fc.constantFrom("block" as const, "spin" as const),
        (stored, expected, sync) => {
          setWaitStrategy({ sync });
          const i32 = shared();
          Atomics.store(i32, 1, stored);
          const result = waitSync(i32, 1, expected, 0);
          return result === ((expected | 0) === stored ? "timed-out" : "not-equal");
        },
      ),
      { numRuns: 300 },
    );
    setWaitStrategy({ sync: "auto" });
  });

  it("every timeout that is not a number >= 0 is rejected; every number >= 0 is accepted", () => {
    fc.assert(
      fc.property(fc.anything(), (timeout) => {
        const valid = timeout === undefined || (typeof timeout === "number" && timeout >= 0);
        const i32 = shared();
        Atomics.store(i32, 0, 1);
        try {
          // Value differs, so a valid call returns at once.
          return waitSync(i32, 0, 0, timeout as number) === "not-equal" && valid;
        } catch (error) {
          return !valid && (error instanceof RangeError || error instanceof TypeError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("every count that is not a non-negative integer (or Infinity) is rejected", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.double(), fc.integer()), (count) => {
        const valid =
          count === undefined ||
          count === Number.POSITIVE_INFINITY ||
          (typeof count === "number" && Number.isInteger(count) && count >= 0);
        try {
          return notify(shared(), 0, count as number) === 0 && valid;
        } catch (error) {
          return !valid && (error instanceof RangeError || error instanceof TypeError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
