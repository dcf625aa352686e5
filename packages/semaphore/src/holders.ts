/**
 * The holder table of an owned semaphore: who holds how many permits, so that
 * permits held by a worker that died are given back to the pool.
 *
 * Python's semaphores are not owned: anyone may release. An owned semaphore
 * (`new Semaphore(k, { owned: true })`) records, per thread, how many
 * permits it holds, in a table after the semaphore's header:
 *
 * | word (from tableIndex) | field          | legal values                              | written by                               |
 * |------------------------|----------------|-------------------------------------------|------------------------------------------|
 * | 2s                     | HOLDER[s]      | 0 free, RECLAIMING (-1), a thread identity | the holder (CAS 0 -> id, store 0),       |
 * |                        |                |                                           | a reclaimer (CAS dead id -> RECLAIMING -> 0) |
 * | 2s + 1                 | HELD[s]        | 0 .. bound: permits held by HOLDER[s]     | the holder; a reclaimer once it is dead  |
 *
 * Transitions of slot s:
 * - free (0) -> id: a thread claims a slot before taking its first permit,
 *   and keeps it while it lives (HELD[s] may be 0).
 * - id -> RECLAIMING -> 0: a thread saw `isThreadAlive(id) === false`, moved
 *   HELD[s] back to the pool and freed the slot.
 *
 * Invariants:
 * - Only the thread `id` writes HELD[s] while HOLDER[s] === id; once `id` is
 *   dead only the reclaimer that won the CAS to RECLAIMING does.
 * - A permit is counted in HELD only after it was taken from PERMITS, and
 *   leaves HELD before it goes back to PERMITS. A worker killed between those
 *   two steps (a few instructions) leaks that one permit: the table never
 *   over-admits, at the price of a possible leak in that window.
 */
import { InvalidHandleError, isThreadAlive } from "@sabkit/core";

/** HOLDER value while a reclaimer moves a dead holder's permits back. */
export const RECLAIMING = -1;
/** Words per holder slot. */
export const SLOT_WORDS = 2;
/** Most holder slots an owned semaphore may have. */
export const MAX_HOLDER_SLOTS = 4096;

/**
 * The slot of thread `me` in the table at `table` with `slots` slots: the one
 * it already holds, or a free one it claims. -1 when every slot is taken.
 */
export function claimSlot(i32: Int32Array, table: number, slots: number, me: number): number {
  let free = -1;
  for (let s = 0; s < slots; s++) {
    // Pairs with the claim CAS / release store of the owner of slot s.
    const holder = Atomics.load(i32, table + SLOT_WORDS * s);
    if (holder === me) return s;
    if (holder === 0 && free < 0) free = s;
  }
  for (let s = free < 0 ? slots : free; s < slots; s++) {
    // Claims a free slot; publishes "me may hold permits" to reclaimers.
    if (Atomics.compareExchange(i32, table + SLOT_WORDS * s, 0, me) === 0) return s;
  }
  return -1;
}

/** The slot held by `me`, or -1. */
export function findSlot(i32: Int32Array, table: number, slots: number, me: number): number {
  for (let s = 0; s < slots; s++) {
    // Pairs with the claim CAS of this thread (same thread: program order).
    if (Atomics.load(i32, table + SLOT_WORDS * s) === me) return s;
  }
  return -1;
}

/**
 * Moves the permits of every dead holder back: returns how many permits were
 * reclaimed (the caller adds them to PERMITS and wakes waiters). Holders whose
 * liveness is unknown (threads not started through sabkit) are left alone.
 *
 * @throws InvalidHandleError when a slot holds more permits than `bound`.
 */
export function reclaimDead(
  i32: Int32Array,
  table: number,
  slots: number,
  bound: number,
  give: (permits: number) => void,
): number {
  let total = 0;
  for (let s = 0; s < slots; s++) {
    const at = table + SLOT_WORDS * s;
    const holder = Atomics.load(i32, at);
    if (holder === 0 || holder === RECLAIMING || isThreadAlive(holder) !== false) continue;
    // One reclaimer wins the dead slot; the dead thread writes nothing more.
    if (Atomics.compareExchange(i32, at, holder, RECLAIMING) !== holder) continue;
    // The dead holder's last store to HELD happened before its death was
    // recorded (the runtime's death epoch add), which happened before our
    // isThreadAlive load: this load sees its final tally.
    const held = Atomics.load(i32, at + 1);
    if (held < 0 || held > bound) {
      Atomics.store(i32, at, 0);
      throw new InvalidHandleError(
        `Semaphore holder table: slot ${s} claims ${held} permits (bound ${bound}): the shared memory is corrupted`,
      );
    }
    Atomics.store(i32, at + 1, 0);
    // Frees the slot for reuse; pairs with the claim CAS of a later holder.
    Atomics.store(i32, at, 0);
    if (held > 0) give(held);
    total += held;
  }
  return total;
}
