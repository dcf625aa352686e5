/**
 * This thread's polling waiters, so that `notify()` on this thread reaches
 * them even when it does not change the value.
 *
 * A polling waiter (the last-resort `waitAsync` fallback) is not a real
 * `Atomics` waiter: `Atomics.notify` cannot see it. It therefore returns "ok"
 * when either the value stops being the expected one (a change published by
 * any thread), or a `notify()` of this package on the same thread names its
 * cell. The second path lives here: a per-thread table keyed by the
 * SharedArrayBuffer object and the byte index, each entry a FIFO of waiters.
 *
 * A notify from another thread that leaves the value unchanged is invisible
 * to polling waiters: no API lets one thread observe another's
 * `Atomics.notify` without blocking. sabkit's primitives always change a word
 * before notifying, so for them the difference never shows.
 */

export interface LocalWaiter {
  /** Settles the waiter with "ok". Called at most once, after the waiter was removed. */
  wake(): void;
}

const table = new WeakMap<ArrayBufferLike, Map<number, Set<LocalWaiter>>>();

function byteIndex(i32: Int32Array, index: number): number {
  return i32.byteOffset + index * Int32Array.BYTES_PER_ELEMENT;
}

/** Registers a polling waiter on (i32, index); returns the function that unregisters it. */
export function addLocalWaiter(i32: Int32Array, index: number, waiter: LocalWaiter): () => void {
  let cells = table.get(i32.buffer);
  if (cells === undefined) table.set(i32.buffer, (cells = new Map()));
  const key = byteIndex(i32, index);
  let queue = cells.get(key);
  if (queue === undefined) cells.set(key, (queue = new Set()));
  queue.add(waiter);
  const registered = queue;
  const registeredCells = cells;
  return () => {
    registered.delete(waiter);
    if (registered.size === 0 && registeredCells.get(key) === registered)
      registeredCells.delete(key);
  };
}

/** Wakes up to `count` of this thread's polling waiters on (i32, index), oldest first. */
export function wakeLocalWaiters(i32: Int32Array, index: number, count: number): number {
  if (count <= 0) return 0;
  const queue = table.get(i32.buffer)?.get(byteIndex(i32, index));
  if (queue === undefined) return 0;
  let woken = 0;
  for (const waiter of [...queue]) {
    if (woken >= count) break;
    queue.delete(waiter);
    waiter.wake();
    woken++;
  }
  return woken;
}
