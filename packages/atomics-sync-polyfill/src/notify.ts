import { wakeLocalWaiters } from "./local-waiters.js";
import { checkCell, checkCount } from "./validate.js";

/**
 * Wakes up to `count` waiters (default: all) on `i32[index]` and returns how
 * many it woke. Reaches every kind of waiter of this package: `Atomics.wait`
 * and native `Atomics.waitAsync` waiters in any thread, helper-worker
 * waiters (they block in a real `Atomics.wait`), and polling waiters of the
 * calling thread. Polling waiters of other threads see value changes only:
 * change the word first, then notify (as every sabkit primitive does).
 *
 * ```ts
 * Atomics.store(i32, 0, 1); // publish the state change first
 * notify(i32, 0, 1);        // then wake one waiter
 * ```
 *
 * @throws TypeError if `i32` is not an Int32Array over a SharedArrayBuffer
 * @throws RangeError for an index out of range or a count that is NaN, negative or fractional
 */
export function notify(i32: Int32Array, index: number, count?: number): number {
  checkCell(i32, index, "notify");
  const limit = checkCount(count, "notify");
  return notifyChecked(i32, index, limit);
}

/** notify without the argument checks (callers have validated). */
export function notifyChecked(i32: Int32Array, index: number, limit: number): number {
  // Atomics.notify wakes real waiters in FIFO order. It is sequentially
  // consistent with the notifier's earlier store, so a woken waiter's next
  // Atomics.load of the cell sees that store.
  const woken = Atomics.notify(i32, index, limit);
  // Same-thread polling waiters get what is left of the count.
  return woken + wakeLocalWaiters(i32, index, limit - woken);
}
