/**
 * The short lock inside every Queue's header: a futex-style mutex word
 * (Drepper, "Futexes Are Tricky", mutex #2), held only while records are
 * copied into or out of the ring — never while encoding, decoding or waiting
 * for room or data.
 *
 * Two int32 words, at indices the queue's layout chooses:
 *
 * | word  | value | meaning                                          | written by                 |
 * |-------|-------|--------------------------------------------------|----------------------------|
 * | lock  | 0     | UNLOCKED                                         | the holder's unlock        |
 * |       | 1     | LOCKED, nobody sleeps on the word                | lock (CAS)                 |
 * |       | 2     | CONTENDED: locked, someone may be asleep         | a waiter (exchange)        |
 * |       | other | corrupted: a typed error, never a hang           | —                          |
 * | owner | 0     | no holder named (free, or a holder between its   | unlock, before releasing   |
 * |       |       | CAS and its next store)                          |                            |
 * |       | id    | core's thread identity of the holder             | the holder, after its CAS; |
 * |       |       |                                                  | a waiter taking over (CAS) |
 *
 * Transitions: lock = CAS 0→1, then owner = me (fast path); lockSlow spins
 * briefly (CAS 0→1), then swaps in 2 and sleeps while the swap returned
 * non-zero. unlock = owner = 0, then sub 1; if the word was 2 it stores 0
 * and wakes one sleeper.
 *
 * Invariants: only the holder moves the lock word to 0; a thread that may
 * sleep has first made the word 2, so the holder's unlock sees 2 and wakes it
 * (no lost wake-up; Atomics.wait compares and sleeps in one step). A live
 * holder clears `owner` before it releases, so `owner` holds the identity of
 * a thread that is no longer alive only if that thread died holding the lock.
 *
 * Owner death (docs/reliability.md, "Owner death is reported"): a sleeper wakes at
 * least every LIVENESS_POLL_MS, and when `owner` names a thread that core's
 * liveness table says is dead, it takes the lock over with one CAS of
 * `owner` from the dead identity to its own (exactly one waiter wins; the
 * lock word stays held throughout) and `lockQueue` returns the dead
 * identity, so that the queue checks its header and reports OwnerDiedError.
 * Threads outside a sabkit runtime tree have no known liveness: a lock they
 * die holding ends waits after STUCK_LOCK_MS instead.
 *
 * Fairness: barging (a running thread may take the lock before a woken
 * sleeper). Hold times are one bounded memcpy, so a sleeper waits at most a
 * few hold times in practice; every sleep is bounded by the caller's deadline,
 * and by STUCK_LOCK_MS (then an InvalidHandleError) when there is none.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { InvalidHandleError, isThreadAlive, threadIdentity } from "@sabkit/core";
import { type Deadline, LIVENESS_POLL_MS } from "@sabkit/core/internal";

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

/**
 * Takes the lock at `i32[lock]`, naming this thread in `i32[owner]`: fast path
 * one CAS and one store. Returns 0, or the identity of a dead holder the lock
 * was taken over from (the caller holds the lock either way and must check
 * what the dead holder may have half-written).
 */
export function lockQueue(
  i32: Int32Array,
  lock: number,
  owner: number,
  deadline: Deadline | undefined,
): number {
  // Read before the CAS: no call (an interruption point for terminate()) between taking the lock and naming the holder.
  const me = threadIdentity();
  // Acquires the lock; pairs with the store/sub in unlockQueue (publishes the last critical section to us).
  const seen = Atomics.compareExchange(i32, lock, UNLOCKED, LOCKED);
  if (seen !== UNLOCKED) return lockQueueSlow(i32, lock, owner, deadline, seen, me);
  // Names the holder for owner-death checks; read by waiters' load of `owner` in lockQueueSlow.
  Atomics.store(i32, owner, me);
  return 0;
}

function lockQueueSlow(
  i32: Int32Array,
  lock: number,
  owner: number,
  deadline: Deadline | undefined,
  seen: number,
  me: number,
): number {
  for (let spin = 0; spin < LOCK_SPINS; spin++) {
    if (seen !== LOCKED && seen !== CONTENDED && seen !== UNLOCKED) throw corruptLock(seen);
    spinWait(spin);
    // Same acquire as the fast path.
    seen = Atomics.compareExchange(i32, lock, UNLOCKED, LOCKED);
    if (seen === UNLOCKED) {
      // As in the fast path.
      Atomics.store(i32, owner, me);
      return 0;
    }
  }
  // Marks "someone may sleep" before sleeping; returns the previous value: 0 means we took it.
  let previous = Atomics.exchange(i32, lock, CONTENDED);
  const stuckAt = performance.now() + STUCK_LOCK_MS;
  while (previous !== UNLOCKED) {
    if (previous !== LOCKED && previous !== CONTENDED) throw corruptLock(previous);
    // Pairs with the holder's store after its CAS and the clear in unlockQueue.
    const holder = Atomics.load(i32, owner);
    if (holder !== 0 && holder !== me && isThreadAlive(holder) === false) {
      // Takes the lock over: succeeds only while `owner` still names the dead
      // thread, which a live holder would have cleared before releasing, so
      // the lock is still that dead thread's. One waiter wins; the lock word
      // stays held (we made it CONTENDED, so our unlock wakes the others).
      if (Atomics.compareExchange(i32, owner, holder, me) === holder) return holder;
    }
    const stuckLeft = stuckAt - performance.now();
    if (deadline !== undefined && deadline.remainingMs() < stuckLeft) {
      if (deadline.expired) throw deadline.timeoutError("Queue (waiting for its internal lock)");
      waitSync(i32, lock, CONTENDED, Math.min(deadline.remainingMs(), LIVENESS_POLL_MS));
    } else {
      if (stuckLeft <= 0) {
        throw new InvalidHandleError(
          `Queue: its internal lock has been held for ${STUCK_LOCK_MS} ms, far longer than any copy takes: ` +
            "a thread outside sabkit's runtime died while holding it, or the queue's memory was overwritten; create a new queue",
        );
      }
      waitSync(i32, lock, CONTENDED, Math.min(stuckLeft, LIVENESS_POLL_MS));
    }
    // Retakes it as CONTENDED: we cannot know whether others still sleep.
    previous = Atomics.exchange(i32, lock, CONTENDED);
  }
  // As in the fast path.
  Atomics.store(i32, owner, me);
  return 0;
}

/** Releases the lock at `i32[lock]`; wakes one sleeper when there may be one. */
export function unlockQueue(i32: Int32Array, lock: number, owner: number): void {
  // Un-names the holder before releasing (see "Invariants"): a waiter that later reads our identity knows we still held it.
  Atomics.store(i32, owner, 0);
  // Publishes the critical section; pairs with the CAS/exchange in lockQueue.
  if (Atomics.sub(i32, lock, 1) !== LOCKED) {
    // It was CONTENDED: release fully, then wake one sleeper (it retakes with exchange).
    Atomics.store(i32, lock, UNLOCKED);
    notify(i32, lock, 1);
  }
}
