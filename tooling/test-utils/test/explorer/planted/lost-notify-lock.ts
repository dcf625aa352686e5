/**
 * PLANTED BUG (a test fixture, never production code): a futex-style lock
 * whose release skips its notify.
 *
 * | index | meaning | legal values                          | who writes it            |
 * |-------|---------|---------------------------------------|--------------------------|
 * | 0     | STATE   | 0 free, 1 locked, 2 locked + waiters  | acquirers (CAS/exchange), the owner (exchange 0) |
 *
 * The correct release is `if (Atomics.exchange(s, 0, FREE) === CONTENDED) notify(s, 0, 1)`.
 * This one frees the word and never wakes anyone: a waiter that went to
 * sleep on CONTENDED sleeps for ever (a lost wake-up, which the explorer
 * reports as a deadlock).
 */

export const FREE = 0;
export const LOCKED = 1;
export const CONTENDED = 2;

export function acquire(state: Int32Array): void {
  // Fast path: free -> locked.
  if (Atomics.compareExchange(state, 0, FREE, LOCKED) === FREE) return;
  // Slow path: mark contended; we own it if it was free.
  while (Atomics.exchange(state, 0, CONTENDED) !== FREE) {
    // Compares and sleeps in one step (test-utils does not depend on the wait layer;
    // production code sleeps through @sabkit/atomics-sync-polyfill).
    Atomics.wait(state, 0, CONTENDED);
  }
}

export function release(state: Int32Array, withNotify: boolean): void {
  // Publishes the critical section and "free".
  const previous = Atomics.exchange(state, 0, FREE);
  // BUG when withNotify is false: a CONTENDED lock has a sleeper to wake.
  if (withNotify && previous === CONTENDED) Atomics.notify(state, 0, 1);
}
