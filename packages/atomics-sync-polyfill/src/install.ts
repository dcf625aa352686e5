import { POLYFILL_TAG } from "./platform.js";
import type { WaitResult } from "./types.js";
import { waitFallback } from "./wait-async.js";

type WaitAsyncResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<WaitResult> };

/**
 * Adds `Atomics.waitAsync` where the engine lacks it (helper-worker fallback,
 * then polling). Idempotent; never replaces a native one. The added function
 * follows the standard's argument coercion (NaN timeout = forever, negative
 * = 0), unlike this package's own stricter `waitAsync`. Only Int32Array is
 * supported (a BigInt64Array throws a TypeError).
 *
 * ```ts
 * import { install } from "@sabkit/atomics-sync-polyfill";
 * install();
 * const { async, value } = Atomics.waitAsync(i32, 0, 0, 1000);
 * ```
 */
export function install(): void {
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function") return;
  const waitAsync = function waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ): WaitAsyncResult {
    if (Object.prototype.toString.call(typedArray) !== "[object Int32Array]") {
      throw new TypeError("Atomics.waitAsync (sabkit polyfill): expected an Int32Array");
    }
    if (Object.prototype.toString.call(typedArray.buffer) !== "[object SharedArrayBuffer]") {
      throw new TypeError("Atomics.waitAsync: the Int32Array must view a SharedArrayBuffer");
    }
    const position = Number(index);
    const cell = Number.isNaN(position) ? 0 : Math.trunc(position);
    if (cell < 0 || cell >= typedArray.length) {
      throw new RangeError(`Atomics.waitAsync: index ${String(index)} is out of range`);
    }
    const expected = Number(value) | 0;
    const t = timeout === undefined ? Number.NaN : Number(timeout);
    const ms = Number.isNaN(t) ? Number.POSITIVE_INFINITY : Math.max(t, 0);
    // Sequentially consistent load, as the standard's compare.
    if (Atomics.load(typedArray, cell) !== expected) return { async: false, value: "not-equal" };
    if (ms === 0) return { async: false, value: "timed-out" };
    return { async: true, value: waitFallback(typedArray, cell, expected, ms, undefined, false) };
  };
  Object.defineProperty(waitAsync, POLYFILL_TAG, { value: true });
  Object.defineProperty(Atomics, "waitAsync", {
    value: waitAsync,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
