import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AbortError, TimeoutError } from "../src/index.js";
import {
  Deadline,
  describe as describeValue,
  MAX_COUNT,
  parseWaitOptions,
  throwIfAborted,
  validateCount,
  validateSignal,
  validateTimeout,
} from "../src/internal.js";

const hostile = {
  valueOf(): number {
    throw new Error("valueOf must never be called");
  },
  toString(): string {
    throw new Error("toString must never be called");
  },
};

describe("validateTimeout", () => {
  it("maps undefined and Infinity to Infinity (forever), keeps 0 and finite values", () => {
    expect(validateTimeout(undefined)).toBe(Number.POSITIVE_INFINITY);
    expect(validateTimeout(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(validateTimeout(0)).toBe(0);
    expect(validateTimeout(-0)).toBe(-0);
    expect(validateTimeout(0.5)).toBe(0.5);
    expect(validateTimeout(100)).toBe(100);
    expect(validateTimeout(2 ** 53)).toBe(2 ** 53);
    expect(validateTimeout(Number.MAX_VALUE)).toBe(Number.MAX_VALUE);
  });

  it.each([
    [Number.NaN, "got NaN"],
    [-1, "got -1"],
    [-0.001, "got -0.001"],
    [Number.NEGATIVE_INFINITY, "got -Infinity"],
    ["100", 'got "100"; pass Number(timeout)'],
    [null, "got null"],
    [true, "got true"],
    [10n, "got 10n (a bigint)"],
    [Symbol("t"), "got a symbol"],
    [{}, "got an object"],
    [[5], "got an array"],
    [new Date(0), "got a Date"],
    [hostile, "got an object"],
  ])("rejects %o with a RangeError that says what to pass", (value, fragment) => {
    const attempt = () => validateTimeout(value);
    expect(attempt).toThrow(RangeError);
    expect(attempt).toThrow(fragment);
    expect(attempt).toThrow("timeout must be a number of milliseconds >= 0");
  });

  it("accepts exactly the non-negative numbers (property)", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true }), (value) => {
        const ok = typeof value === "number" && value >= 0;
        if (ok || value === undefined) {
          expect(validateTimeout(value)).toBe(
            value === undefined ? Number.POSITIVE_INFINITY : value,
          );
        } else {
          expect(() => validateTimeout(value)).toThrow(RangeError);
        }
      }),
    );
    fc.assert(
      fc.property(fc.double(), (value) => {
        if (value >= 0) expect(validateTimeout(value)).toBe(value);
        else expect(() => validateTimeout(value)).toThrow(RangeError);
      }),
    );
  });
});

describe("parseWaitOptions", () => {
  it("reads timeout and signal", () => {
    const signal = new AbortController().signal;
    expect(parseWaitOptions(undefined)).toEqual({
      timeoutMs: Number.POSITIVE_INFINITY,
      signal: undefined,
    });
    expect(parseWaitOptions({})).toEqual({
      timeoutMs: Number.POSITIVE_INFINITY,
      signal: undefined,
    });
    expect(parseWaitOptions({ timeout: 5, signal })).toEqual({ timeoutMs: 5, signal });
  });

  it("names the option in errors", () => {
    expect(() => parseWaitOptions({ timeout: -1 }, "Lock.acquire options")).toThrow(
      "Lock.acquire options.timeout must be",
    );
  });

  it.each([null, 5, "x", true])("rejects a non-object bag %o with a TypeError", (bag) => {
    expect(() => parseWaitOptions(bag)).toThrow(TypeError);
  });

  it("rejects a signal that is not an AbortSignal", () => {
    expect(() => parseWaitOptions({ signal: { aborted: false } })).toThrow(TypeError);
    expect(() => validateSignal("abort")).toThrow("signal must be an AbortSignal");
    expect(validateSignal(undefined)).toBeUndefined();
  });

  it("propagates a throwing getter on the bag (read once)", () => {
    let reads = 0;
    const bag = {
      get timeout(): number {
        reads++;
        return 10;
      },
    };
    expect(parseWaitOptions(bag).timeoutMs).toBe(10);
    expect(reads).toBe(1);
    const throwing = Object.defineProperty({}, "timeout", {
      get() {
        throw new Error("getter");
      },
    });
    expect(() => parseWaitOptions(throwing)).toThrow("getter");
  });
});

describe("validateCount", () => {
  it("accepts integers in range", () => {
    expect(validateCount(0, "n")).toBe(0);
    expect(validateCount(MAX_COUNT, "n")).toBe(2 ** 31 - 1);
    expect(validateCount(1, "capacity", { min: 1 })).toBe(1);
    expect(validateCount(8, "parties", { min: 1, max: 8 })).toBe(8);
  });

  it.each([
    [0, { min: 1 }, "capacity must be an integer from 1 to 2147483647, got 0"],
    [-1, {}, "got -1"],
    [Number.NaN, {}, "got NaN"],
    [1.5, {}, "got 1.5"],
    [2 ** 31, {}, "got 2147483648"],
    [Number.POSITIVE_INFINITY, {}, "got Infinity"],
    [9, { max: 8 }, "from 0 to 8, got 9"],
    ["8", {}, 'got "8"; pass Number(capacity)'],
    [hostile, {}, "got an object"],
    [2 ** 31, { max: 2 ** 40 }, "to 2147483647"],
  ])("rejects %o (%o) with a RangeError", (value, bounds, fragment) => {
    expect(() => validateCount(value, "capacity", bounds)).toThrow(RangeError);
    expect(() => validateCount(value, "capacity", bounds)).toThrow(fragment);
  });

  it("accepts exactly the integers in [min, max] (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 31)),
        fc.nat(100),
        (value, min) => {
          const ok = Number.isInteger(value) && value >= min && value <= MAX_COUNT;
          if (ok) expect(validateCount(value, "n", { min })).toBe(value);
          else expect(() => validateCount(value, "n", { min })).toThrow(RangeError);
        },
      ),
    );
  });
});

describe("throwIfAborted", () => {
  it("does nothing without a signal or before abort", () => {
    throwIfAborted(undefined);
    throwIfAborted(new AbortController().signal);
  });

  it("throws core's AbortError with the signal's reason as cause", () => {
    const controller = new AbortController();
    controller.abort("stop");
    let caught: unknown;
    try {
      throwIfAborted(controller.signal);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AbortError);
    expect((caught as AbortError).cause).toBe("stop");
    const timedOut = AbortSignal.abort(new DOMException("late", "TimeoutError"));
    expect(() => throwIfAborted(timedOut)).toThrow(AbortError);
  });
});

describe("Deadline", () => {
  it("is forever for undefined / Infinity: never expired, Infinity remaining", () => {
    for (const deadline of [
      Deadline.from(),
      Deadline.from({ timeout: Number.POSITIVE_INFINITY }),
    ]) {
      expect(deadline.forever).toBe(true);
      expect(deadline.expired).toBe(false);
      expect(deadline.remainingMs()).toBe(Number.POSITIVE_INFINITY);
      expect(deadline.remainingMs(25)).toBe(25);
    }
  });

  it("is expired at once for timeout 0, with 0 remaining", () => {
    const deadline = Deadline.from({ timeout: 0 });
    expect(deadline.forever).toBe(false);
    expect(deadline.expired).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.remainingMs(25)).toBe(0);
  });

  it("counts down a finite timeout and never goes below 0", async () => {
    const deadline = Deadline.after(30);
    const first = deadline.remainingMs();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(30);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.expired).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
  });

  it("treats 2^53 as a finite, non-expired deadline with a finite remainder", () => {
    const deadline = Deadline.from({ timeout: 2 ** 53 });
    expect(deadline.forever).toBe(false);
    expect(deadline.expired).toBe(false);
    expect(Number.isFinite(deadline.remainingMs())).toBe(true);
    expect(deadline.remainingMs(25)).toBe(25);
  });

  it("validates its options", () => {
    expect(() => Deadline.from({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => Deadline.after(-1)).toThrow(RangeError);
  });

  it("throws AbortError once its signal aborts and makes TimeoutErrors naming the operation", () => {
    const controller = new AbortController();
    const deadline = Deadline.from({ signal: controller.signal, timeout: 15 });
    deadline.throwIfAborted();
    controller.abort();
    expect(() => deadline.throwIfAborted()).toThrow(AbortError);
    const error = deadline.timeoutError("Queue.get");
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain("Queue.get timed out after 15 ms");
  });

  it("remainingMs is never negative, NaN, or above the timeout (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(undefined), fc.double({ min: 0, noNaN: true })),
        fc.double({ min: 0, noNaN: true }),
        (timeout, cap) => {
          const left = Deadline.from({ timeout }).remainingMs(cap);
          expect(Number.isNaN(left)).toBe(false);
          expect(left).toBeGreaterThanOrEqual(0);
          expect(left).toBeLessThanOrEqual(Math.min(cap, timeout ?? Number.POSITIVE_INFINITY));
        },
      ),
    );
  });
});

describe("describe (values in messages)", () => {
  it("never calls into the value", () => {
    expect(describeValue(hostile)).toBe("an object");
    const tagThrows = Object.defineProperty({}, Symbol.toStringTag, {
      get() {
        throw new Error("tag");
      },
    });
    expect(describeValue(tagThrows)).toBe("an object");
    expect(describeValue(-0)).toBe("-0");
    expect(describeValue("x".repeat(100))).toContain("…");
    expect(describeValue(() => {})).toBe("a function");
  });
});
