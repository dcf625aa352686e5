/**
 * Keeps a Node event loop alive while async waits are pending.
 *
 * A pending native `Atomics.waitAsync` is not a libuv handle: a program whose
 * only work is `await waitAsync(...)` would exit (code 13, "unsettled
 * top-level await") before the notify arrives. While at least one wait of
 * this package is pending we hold one ref'd interval timer; it is unref'd
 * when the count returns to zero. In browsers the page stays alive anyway and
 * this does nothing.
 */

interface NodeTimer {
  ref(): unknown;
  unref(): unknown;
}

let pending = 0;
let timer: NodeTimer | undefined;
/** False once we found that timers here have no ref/unref (browsers): nothing to hold. */
let canHold = true;

// Long enough never to fire in practice; it only exists to be ref'd.
const INTERVAL_MS = 2 ** 30;

/** Marks one more pending wait. Pair with exactly one {@link releaseKeepAlive}. */
export function holdKeepAlive(): void {
  pending++;
  if (pending !== 1 || !canHold) return;
  if (timer === undefined) {
    const handle = setInterval(() => {}, INTERVAL_MS) as unknown;
    if (typeof handle !== "object" || handle === null || !("unref" in handle)) {
      // Browsers return a number: the page keeps running anyway, nothing to hold.
      clearInterval(handle as number);
      canHold = false;
      return;
    }
    timer = handle as NodeTimer;
  }
  timer.ref();
}

/** Marks one pending wait as settled or abandoned. */
export function releaseKeepAlive(): void {
  if (pending === 0) throw new Error("keep-alive released more often than held (a bug in sabkit)");
  pending--;
  if (pending === 0) timer?.unref();
}

/** How many waits are holding the event loop open (for tests). */
export function pendingKeepAlive(): number {
  return pending;
}
