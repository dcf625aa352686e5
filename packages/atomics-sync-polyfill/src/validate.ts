/**
 * Argument checks shared by every entry point. Nothing here reads a value
 * through `valueOf`/`toString`: a value of the wrong type is rejected by its
 * `typeof`, so an object whose `valueOf` throws (or lies) never runs.
 *
 * Why strict: `Atomics.wait(..., NaN)` waits forever, `Atomics.notify(..., NaN)`
 * wakes nobody and `Atomics.wait(..., "100")` quietly coerces. Every value that
 * reaches an `Atomics` call from this package has been checked here first.
 */

const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === "object") {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    return `a ${tag}`;
  }
  return typeof value;
}

function isSharedArrayBuffer(buffer: unknown): boolean {
  // toString tag rather than instanceof: works across realms (iframes, vm contexts).
  return Object.prototype.toString.call(buffer) === "[object SharedArrayBuffer]";
}

/** Throws unless `i32` is an Int32Array over a SharedArrayBuffer and `index` a valid element index. */
export function checkCell(i32: unknown, index: unknown, what: string): asserts i32 is Int32Array {
  if (!ArrayBuffer.isView(i32) || Object.prototype.toString.call(i32) !== "[object Int32Array]") {
    throw new TypeError(
      `${what}: expected an Int32Array over a SharedArrayBuffer, got ${describe(i32)}; ` +
        "pass new Int32Array(new SharedArrayBuffer(byteLength))",
    );
  }
  if (!isSharedArrayBuffer((i32 as Int32Array).buffer)) {
    throw new TypeError(
      `${what}: the Int32Array must view a SharedArrayBuffer, not an ArrayBuffer ` +
        "(other threads cannot see or notify it); pass new Int32Array(new SharedArrayBuffer(byteLength))",
    );
  }
  if (typeof index !== "number") {
    throw new TypeError(`${what}: index must be a number, got ${describe(index)}`);
  }
  const length = (i32 as Int32Array).length;
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(
      `${what}: index must be an integer in [0, ${length - 1}] for this Int32Array of length ${length}, got ${index}`,
    );
  }
}

/**
 * Checks the expected value and returns it as an int32. Accepts integers in
 * [-2^31, 2^32 - 1] (so `x >>> 0` values work) and maps them to the int32 the
 * array would hold, as `Atomics.wait` does.
 */
export function checkExpected(expected: unknown, what: string): number {
  if (typeof expected !== "number") {
    throw new TypeError(`${what}: expected value must be a number, got ${describe(expected)}`);
  }
  if (!Number.isInteger(expected) || expected < INT32_MIN || expected > UINT32_MAX) {
    throw new RangeError(
      `${what}: expected value must be an integer in [-2^31, 2^32 - 1], got ${expected}`,
    );
  }
  return expected | 0;
}

/** Checks a timeout in ms: `undefined` is forever (returned as Infinity); otherwise a number >= 0. */
export function checkTimeout(timeoutMs: unknown, what: string): number {
  if (timeoutMs === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeoutMs !== "number") {
    throw new TypeError(
      `${what}: timeoutMs must be a number of milliseconds >= 0 or undefined (wait forever), got ${describe(timeoutMs)}`,
    );
  }
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(
      `${what}: timeoutMs must be >= 0 (0 = do not wait) or undefined (wait forever), got ${timeoutMs}`,
    );
  }
  return timeoutMs;
}

/** Checks a notify count: `undefined` is all (Infinity); otherwise an integer >= 0 or Infinity. */
export function checkCount(count: unknown, what: string): number {
  if (count === undefined) return Number.POSITIVE_INFINITY;
  if (typeof count !== "number") {
    throw new TypeError(
      `${what}: count must be a non-negative integer or undefined (wake all), got ${describe(count)}`,
    );
  }
  if (count !== Number.POSITIVE_INFINITY && (!Number.isInteger(count) || count < 0)) {
    throw new RangeError(
      `${what}: count must be a non-negative integer, Infinity, or undefined (wake all), got ${count}`,
    );
  }
  return count;
}

/** Checks an optional AbortSignal (duck-typed, so signals of other realms work). */
export function checkSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    signal === null ||
    typeof signal !== "object" ||
    typeof (signal as AbortSignal).aborted !== "boolean" ||
    typeof (signal as AbortSignal).addEventListener !== "function"
  ) {
    throw new TypeError(
      `${what}: signal must be an AbortSignal or undefined, got ${describe(signal)}`,
    );
  }
  return signal as AbortSignal;
}
