/**
 * PLANTED BUG (a test fixture): an unlock that stores without a waiter
 * check. Same layout as lost-notify-lock.ts (STATE: 0 free, 1 locked,
 * 2 locked + waiters).
 *
 * The unlock loads STATE, stores FREE, and notifies only if the load saw
 * CONTENDED. The lost wake-up: the owner's load sees LOCKED; a waiter
 * exchanges STATE to CONTENDED (seeing LOCKED) and sleeps on CONTENDED; the
 * owner's store of FREE overwrites CONTENDED and skips the notify. The
 * correct unlock is one read-modify-write: `Atomics.exchange(s, 0, FREE)`.
 */
import { CONTENDED, FREE, LOCKED } from "./lost-notify-lock.js";

export function acquire(state: Int32Array): void {
  if (Atomics.compareExchange(state, 0, FREE, LOCKED) === FREE) return;
  while (Atomics.exchange(state, 0, CONTENDED) !== FREE) {
    // Compares and sleeps in one step (test-utils does not depend on the wait layer;
    // production code sleeps through @sabkit/atomics-sync-polyfill).
    Atomics.wait(state, 0, CONTENDED);
  }
}

export function releaseRacy(state: Int32Array): void {
  // BUG: the check and the store are two steps; a waiter can register between them.
  const hadWaiters = Atomics.load(state, 0) === CONTENDED;
  Atomics.store(state, 0, FREE);
  if (hadWaiters) Atomics.notify(state, 0, 1);
}
