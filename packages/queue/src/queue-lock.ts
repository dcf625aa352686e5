/**
 * The short lock inside every Queue's header: a futex-style mutex word
 * (Drepper, "Futexes Are Tricky", mutex #2), held only while records are
 * copied into or out of the ring — never while encoding, decoding or waiting
 * for room or data.
 *
 * | value | meaning                                  |
 * |-------|------------------------------------------|
 * | 0     | UNLOCKED                                 |
 * | 1     | LOCKED, nobody sleeps on the word        |
 * | 2     | CONTENDED: locked, someone may be asleep |
 * | other | corrupted: a typed error, never a hang   |
 *
 * Transitions: lock = CAS 0→1 (fast path); lockSlow spins briefly (CAS 0→1),
 * then swaps in 2 and sleeps while the swap returned non-zero. unlock = sub 1;
 * if the word was 2 it stores 0 and wakes one sleeper.
 *
 * Invariants: only the holder moves the word to 0; a thread that may sleep
 * has first made the word 2, so the holder's unlock sees 2 and wakes it (no
 * lost wake-up; Atomics.wait compares and sleeps in one step).
 *
 * Fairness: barging (a running thread may take the lock before a woken
 * sleeper). Hold times are one bounded memcpy, so a sleeper waits at most a
 * few hold times in practice; every sleep is bounded by the caller's deadline,
 * and by STUCK_LOCK_MS (then an InvalidHandleError) when there is none.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { InvalidHandleError } from "@sabkit/core";
import type { Deadline } from "@sabkit/core/internal";

export const UNLOCKED = 0;
export const LOCKED = 1;
export const CONTENDED = 2;

/** Spins (bounded backoff) before the first sleep. */
const LOCK_SPINS = 64;

/**
 * A wait without a deadline gives up after this long: hold times are one
 * memcpy, so a lock held for 10 s means its holder died inside the critical
 * section or the word was overwritten.
 */
export const STUCK_LOCK_MS = 10_000;

function corruptLock(value: number): InvalidHandleError {
  return new InvalidHandleError(
    `Queue: its lock word holds ${value}, which is not 0, 1 or 2: the queue's shared memory was overwritten ` +
      "(by a bug or another thread writing into this buffer); create a new queue",
  );
}

/** Takes the lock at `i32[index]`: fast path one CAS. */
export function lockQueue(i32: Int32Array, index: number, deadline: Deadline | undefined): void {
  // Acquires the lock; pairs with the store/sub in unlockQueue (publishes the last critical section to us).
  const seen = Atomics.compareExchange(i32, index, UNLOCKED, LOCKED);
  if (seen !== UNLOCKED) lockQueueSlow(i32, index, deadline, seen);
}

function lockQueueSlow(
  i32: Int32Array,
  index: number,
  deadline: Deadline | undefined,
  seen: number,
): void {
  for (let spin = 0; spin < LOCK_SPINS; spin++) {
    if (seen !== LOCKED && seen !== CONTENDED && seen !== UNLOCKED) throw corruptLock(seen);
    spinWait(spin);
    // Same acquire as the fast path.
    seen = Atomics.compareExchange(i32, index, UNLOCKED, LOCKED);
    if (seen === UNLOCKED) return;
  }
  // Marks "someone may sleep" before sleeping; returns the previous value: 0 means we took it.
  let previous = Atomics.exchange(i32, index, CONTENDED);
  const stuckAt = performance.now() + STUCK_LOCK_MS;
  while (previous !== UNLOCKED) {
    if (previous !== LOCKED && previous !== CONTENDED) throw corruptLock(previous);
    const stuckLeft = stuckAt - performance.now();
    if (deadline !== undefined && deadline.remainingMs() < stuckLeft) {
      if (deadline.expired) throw deadline.timeoutError("Queue (waiting for its internal lock)");
      waitSync(i32, index, CONTENDED, deadline.remainingMs());
    } else {
      if (stuckLeft <= 0) {
        throw new InvalidHandleError(
          `Queue: its internal lock has been held for ${STUCK_LOCK_MS} ms, far longer than any copy takes: ` +
            "a thread died while holding it, or the queue's memory was overwritten; create a new queue",
        );
      }
      waitSync(i32, index, CONTENDED, stuckLeft);
    }
    // Retakes it as CONTENDED: we cannot know whether others still sleep.
    previous = Atomics.exchange(i32, index, CONTENDED);
  }
}

/** Releases the lock at `i32[index]`; wakes one sleeper when there may be one. */
export function unlockQueue(i32: Int32Array, index: number): void {
  // Publishes the critical section; pairs with the CAS/exchange in lockQueue.
  if (Atomics.sub(i32, index, 1) !== LOCKED) {
    // It was CONTENDED: release fully, then wake one sleeper (it retakes with exchange).
    Atomics.store(i32, index, UNLOCKED);
    notify(i32, index, 1);
  }
}
