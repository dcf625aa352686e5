/**
 * The option bag of every wait, and validation of the numbers users pass.
 *
 * One rule for every numeric argument: a value that is not a number (a
 * string such as `"100"`, an object, `null`, a bigint), or a number outside the
 * documented range, is a `RangeError` whose message names the argument, what
 * was passed and what to pass instead. Non-numbers are a `RangeError` too (not
 * a `TypeError`) so that callers handle one class for "bad number" — as
 * CONTRIBUTING.md promises. Objects are never converted (`valueOf` and
 * `toString` are never called), so a hostile object cannot run code or throw
 * from inside a wait.
 */
import { AbortError } from "./errors.js";

/**
 * How long a wait may take, and how to cancel it. Every waiting operation of
 * every sabkit primitive takes this bag.
 *
 * @example
 * ```ts
 * using held = lock.acquire({ timeout: 100 });                 // TimeoutError after 100 ms
 * await using held2 = await lock.acquireAsync({ signal });     // AbortError when signal aborts
 * ```
 */
export interface WaitOptions {
  /**
   * Milliseconds to wait at most: `undefined` or `Infinity` wait forever, `0`
   * does not wait at all (try once). Negative, `NaN` and non-numbers are a
   * `RangeError`.
   */
  timeout?: number;
  /** Aborts the wait with an {@link AbortError} whose `cause` is `signal.reason`. */
  signal?: AbortSignal;
}

/** The largest count sabkit accepts anywhere: counts live in int32 words. */
export const MAX_COUNT = 2 ** 31 - 1;

/**
 * Validates a timeout and returns it in ms: `Infinity` for "forever"
 * (`undefined` or `Infinity`), otherwise the finite value (`0` = do not wait;
 * huge values such as 2^53 are accepted and mean "practically forever").
 *
 * @throws RangeError for negative, NaN, -Infinity and non-number values.
 * @example
 * ```ts
 * validateTimeout(undefined);  // Infinity
 * validateTimeout(-1);         // RangeError: timeout must be a number of milliseconds >= 0 ...
 * ```
 */
export function validateTimeout(timeout: unknown, name = "timeout"): number {
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== "number") {
    throw new RangeError(
      `${name} must be a number of milliseconds >= 0 (or undefined to wait forever), got ${describe(timeout)}` +
        (typeof timeout === "string" ? `; pass Number(${name}) if you meant a number` : ""),
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `${name} must be a number of milliseconds >= 0 (0 = do not wait, undefined or Infinity = wait forever), got ${describe(timeout)}`,
    );
  }
  return timeout;
}

/**
 * Validates an optional `AbortSignal`.
 *
 * @throws TypeError when `signal` is neither undefined nor an `AbortSignal`.
 */
export function validateSignal(signal: unknown, name = "signal"): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof AbortSignal === "function" && signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `${name} must be an AbortSignal (e.g. new AbortController().signal) or undefined, got ${describe(signal)}`,
  );
}

/** The validated form of {@link WaitOptions}. */
export interface ParsedWaitOptions {
  /** Milliseconds, `Infinity` = forever. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Validates a {@link WaitOptions} bag (each property is read once).
 *
 * @throws TypeError when `options` is not an object; RangeError for a bad timeout.
 * @example
 * ```ts
 * const { timeoutMs, signal } = parseWaitOptions({ timeout: 50 });
 * ```
 */
export function parseWaitOptions(options: unknown, what = "options"): ParsedWaitOptions {
  if (options === undefined) return { timeoutMs: Number.POSITIVE_INFINITY, signal: undefined };
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${what} must be an object like { timeout?: number, signal?: AbortSignal } or undefined, got ${describe(options)}`,
    );
  }
  const bag = options as WaitOptions;
  const timeoutMs = validateTimeout(bag.timeout, `${what}.timeout`);
  const signal = validateSignal(bag.signal, `${what}.signal`);
  return { timeoutMs, signal };
}

/** Bounds of {@link validateCount}. */
export interface CountBounds {
  /** Smallest allowed value (default 0). */
  min?: number;
  /** Largest allowed value (default and upper limit 2^31 - 1). */
  max?: number;
}

/**
 * Validates a count (a capacity, a number of permits, parties, workers…):
 * an integer number in `[min, max]`, never above 2^31 - 1.
 *
 * @throws RangeError naming `name`, the value and the allowed range.
 * @example
 * ```ts
 * validateCount(capacity, "capacity", { min: 1 }); // 0, -1, NaN, 1.5, 2**31, "8" -> RangeError
 * ```
 */
export function validateCount(value: unknown, name: string, bounds: CountBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = Math.min(bounds.max ?? MAX_COUNT, MAX_COUNT);
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be an integer from ${min} to ${max}, got ${describe(value)}` +
        (typeof value === "string" ? `; pass Number(${name}) if you meant a number` : ""),
    );
  }
  return value;
}

/**
 * Throws core's {@link AbortError} (with `cause` = `signal.reason`) when
 * `signal` has been aborted; does nothing otherwise.
 *
 * @example
 * ```ts
 * throwIfAborted(options.signal);
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

/**
 * Describes a user value for an error message without calling anything on
 * it (no `valueOf`, no `toString`, no getters).
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n (a bigint)`;
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default: {
      if (value === null) return "null";
      if (Array.isArray(value)) return "an array";
      let tag = "Object";
      try {
        // Reads Symbol.toStringTag, which a hostile object may make throw.
        tag = Object.prototype.toString.call(value).slice(8, -1);
      } catch {}
      return tag === "Object" ? "an object" : `a ${tag}`;
    }
  }
}
