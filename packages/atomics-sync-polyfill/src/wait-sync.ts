import { syncBlocks } from "./platform.js";
import { spinWait } from "./spin.js";
import type { WaitResult } from "./types.js";
import { checkCell, checkExpected, checkTimeout } from "./validate.js";

/**
 * Waits until `i32[index]` is notified, if it holds `expected`; returns
 * `"not-equal"` at once if it does not, `"timed-out"` after `timeoutMs`
 * (`undefined` waits forever, `0` does not wait).
 *
 * Blocks the thread with `Atomics.wait` where that is allowed. Where it is
 * not (a browser's main thread) it spins instead, with a bounded backoff,
 * and never throws for that reason: it then returns `"ok"` when the value
 * stops being `expected` (a notify that leaves the value unchanged cannot be
 * observed there), and still honours the timeout.
 *
 * ```ts
 * const i32 = new Int32Array(new SharedArrayBuffer(4));
 * // in a worker: Atomics.store(i32, 0, 1); notify(i32, 0);
 * waitSync(i32, 0, 0, 1000); // "ok", or "timed-out" after 1 s
 * ```
 *
 * @throws TypeError if `i32` is not an Int32Array over a SharedArrayBuffer, or an argument has the wrong type
 * @throws RangeError for an index out of range, or a timeout that is NaN or negative
 */
export function waitSync(
  i32: Int32Array,
  index: number,
  expected: number,
  timeoutMs?: number,
): WaitResult {
  checkCell(i32, index, "waitSync");
  const value = checkExpected(expected, "waitSync");
  const timeout = checkTimeout(timeoutMs, "waitSync");
  if (syncBlocks()) {
    // Atomics.wait compares and enqueues in one step, so a notifier that
    // stores then notifies either changed the value before our compare
    // ("not-equal") or finds us queued ("ok"): no lost wake-up.
    return Atomics.wait(i32, index, value, timeout);
  }
  return waitSyncSpin(i32, index, value, timeout);
}

/**
 * The spin fallback: polls the cell with a bounded backoff until it changes
 * or the deadline passes. Exposed (internal) so tests can drive it directly.
 */
export function waitSyncSpin(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
): WaitResult {
  // Sequentially consistent load: sees any store a notifier made before its notify.
  if (Atomics.load(i32, index) !== value) return "not-equal";
  if (timeout === 0) return "timed-out";
  const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : performance.now() + timeout;
  for (let iteration = 0; ; iteration++) {
    spinWait(iteration);
    // Same pairing as above: a changed value is the notifier's published store.
    if (Atomics.load(i32, index) !== value) return "ok";
    if (deadline !== Number.POSITIVE_INFINITY && performance.now() >= deadline) return "timed-out";
  }
}
