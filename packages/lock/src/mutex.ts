/**
 * The raw mutex under Lock and RLock: functions on one Int32Array region.
 *
 * ## Shared layout (Int32Array words, `MUTEX_LAYOUT`)
 *
 * | index | field   | legal values                                        | written by                                      |
 * |-------|---------|-----------------------------------------------------|-------------------------------------------------|
 * | 0     | TAG     | the Lock or RLock kind tag                          | creator, once, before the handle exists         |
 * | 1     | STATE   | 0 = free, else the owner's `threadIdentity()`       | acquirers (CAS 0 -> me, CAS deadOwner -> me),    |
 * |       |         |                                                     | the owner (store 0, or store heir = hand-off)   |
 * | 2     | WAITERS | >= 0: threads/async waits that may sleep on STATE   | waiters (Atomics.add +1 before sleeping, -1 on  |
 * |       |         |                                                     | leaving)                                        |
 * | 3     | HEIR    | 0, or the identity of a starving waiter that asked  | a starving waiter (CAS 0 -> me, CAS me -> 0),   |
 * |       |         | for a direct hand-off                               | the owner (CAS heir -> 0 when handing off), a   |
 * |       |         |                                                     | waiter that acquires by CAS (store 0)           |
 * | 4     | SEQ     | any (wraps): number of acquisitions                 | the owner only (plain increment under the lock) |
 * | 5     | DEPTH   | RLock: recursion depth of the owner (>= 1 when held)| the owner only                                  |
 * | 6     | FLAGS   | bit 0 = deadlock detection on                       | creator, once                                   |
 * | 7     | KEY_HI  | >= 0: high part of the lock's global-order key      | creator, once                                   |
 * | 8     | KEY_LO  | != 0: low part; also the key in the wait-for table  | creator, once                                   |
 *
 * ## Transitions
 *
 * - acquire (fast path): STATE 0 -> me by one compareExchange. Nothing else.
 * - acquire (slow path): spin briefly retrying the CAS; then WAITERS += 1 and
 *   loop: CAS 0 -> me; or take over a dead owner (CAS dead -> me, the caller
 *   gets OwnerDiedError); or sleep on STATE while it holds the owner seen.
 *   On leaving (acquired, timed out, aborted) WAITERS -= 1.
 * - release: if HEIR is set and alive, CAS HEIR heir -> 0 then STATE = heir
 *   and wake all sleepers (the heir among them); otherwise STATE = 0, then
 *   notify one sleeper only if WAITERS > 0.
 *
 * ## Invariants
 *
 * - Only the thread whose identity is in STATE writes SEQ and DEPTH, and
 *   writes STATE except by the acquire CASes.
 * - STATE = X (X != 0) is written only by X itself (CAS), or by the owner
 *   handing off to X after X registered in HEIR.
 * - No lost wake-up: a waiter increments WAITERS *before* it loads STATE and
 *   sleeps with `waitSync(STATE, seenOwner)` (which compares and enqueues in
 *   one step). A releaser stores STATE *before* it loads WAITERS. All four
 *   are sequentially consistent, so either the releaser's load sees the
 *   increment (and it notifies: the waiter is queued, or its compare fails),
 *   or the waiter's load comes after the store and sees the new STATE. A
 *   woken waiter that loses the CAS to a barging thread goes back to sleep;
 *   the barger releases later and sees WAITERS > 0 in turn.
 * - A waiter terminated while asleep leaves WAITERS one too high for ever:
 *   releases then notify when nobody may be asleep (a wasted notify, never a
 *   lost one). V8 removes a terminated thread's wait from the queue, so a
 *   notify is never swallowed by a dead waiter; an abandoned async wait
 *   forwards a notify it consumed (the wait layer does it).
 *
 * ## Fairness
 *
 * Barging with a bounded hand-off (as Go's mutex, counted instead of timed):
 * a released lock goes to whoever CASes first, which keeps uncontended and
 * lightly contended use fast. A waiter that has seen the lock acquired
 * HANDOFF_AFTER times by others since it started waiting registers as HEIR;
 * the next release hands the lock directly to it (STATE = heir) instead of
 * freeing it. At most one heir at a time; a dead heir is skipped.
 *
 * ## Owner death
 *
 * Waiters sleep in slices of LIVENESS_POLL_MS while the owner's liveness is
 * known (`isThreadAlive` is a boolean) and look at it only when core's
 * `deathEpoch()` changed since they last looked (and once at the start). A
 * dead owner's lock is taken over by CAS(dead -> me): exactly one acquirer
 * wins and gets OwnerDiedError; the lock stays held by it.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { AbortError, type Handle, InvalidHandleError, isThreadAlive } from "@sabkit/core";
import {
  clearWaitingFor,
  type Deadline,
  deathEpoch,
  defineKind,
  defineLayout,
  LIVENESS_POLL_MS,
  setWaitingFor,
  type WaitLoop,
} from "@sabkit/core/internal";
import { findCycle, selfDeadlock } from "./deadlock.js";

/** The shared words of a Lock or RLock (see the table above). */
export const MUTEX_LAYOUT = defineLayout({
  tag: "int32",
  state: "int32",
  waiters: "int32",
  heir: "int32",
  seq: "int32",
  depth: "int32",
  flags: "int32",
  keyHi: "int32",
  keyLo: "int32",
});
export const STATE = MUTEX_LAYOUT.fields.state.index;
export const WAITERS = MUTEX_LAYOUT.fields.waiters.index;
export const HEIR = MUTEX_LAYOUT.fields.heir.index;
export const SEQ = MUTEX_LAYOUT.fields.seq.index;
export const DEPTH = MUTEX_LAYOUT.fields.depth.index;
export const FLAGS = MUTEX_LAYOUT.fields.flags.index;
export const KEY_HI = MUTEX_LAYOUT.fields.keyHi.index;
export const KEY_LO = MUTEX_LAYOUT.fields.keyLo.index;
/** Bytes of a Lock or RLock. */
export const MUTEX_BYTES = MUTEX_LAYOUT.byteLength;

/** STATE value of a free lock. */
export const FREE = 0;
/** FLAGS bit: waits on this lock take part in deadlock detection. */
export const DETECT_DEADLOCKS = 1;
/** A waiter that saw this many acquisitions by others asks for a direct hand-off. */
export const HANDOFF_AFTER = 8;
/** CAS retries with backoff before a waiter registers and may sleep. */
export const SPIN_LIMIT = 40;
/** Async waiters spin less: they must not hold up the event loop. */
export const ASYNC_SPIN_LIMIT = 8;

export interface LockHandle extends Handle<"lock"> {
  /** The name given at creation (shown in DeadlockError messages), if any. */
  readonly name?: string;
}
export interface RLockHandle extends Handle<"rlock"> {
  readonly name?: string;
}

export const LOCK_KIND = defineKind<LockHandle>({
  kind: "lock",
  version: 1,
  package: "@sabkit/lock",
  layout: MUTEX_LAYOUT,
});
export const RLOCK_KIND = defineKind<RLockHandle>({
  kind: "rlock",
  version: 1,
  package: "@sabkit/lock",
  layout: MUTEX_LAYOUT,
});

/** Writes a new lock's words (before its handle exists, so before anyone sees it). */
export function initMutex(i32: Int32Array, detectDeadlocks: boolean): void {
  const random = new Uint32Array(2);
  globalThis.crypto.getRandomValues(random);
  const hi = random[0]! >>> 1;
  const lo = random[1]! | 0 || 1;
  // Not shared yet: the postMessage that first carries the handle publishes these.
  Atomics.store(i32, FLAGS, detectDeadlocks ? DETECT_DEADLOCKS : 0);
  Atomics.store(i32, KEY_HI, hi);
  Atomics.store(i32, KEY_LO, lo);
}

/** The global-order key of a lock (KEY_HI, KEY_LO), read once and checked. */
export function readKey(i32: Int32Array, what: string): { hi: number; lo: number } {
  // Written once by the creator; the message carrying the handle ordered them.
  const hi = Atomics.load(i32, KEY_HI);
  const lo = Atomics.load(i32, KEY_LO);
  if (hi < 0 || lo === 0) {
    throw new InvalidHandleError(
      `${what}: the lock's key words hold ${hi}, ${lo} (corrupted shared memory); create a new lock`,
    );
  }
  return { hi, lo };
}

/**
 * The fast path: one CAS. On success the caller owns the lock and must bump
 * SEQ (see {@link acquired}).
 */
export function tryLock(i32: Int32Array, me: number): boolean {
  // Takes the lock: publishes "me owns it" to every later load of STATE, and
  // receives the critical section of the previous owner (its store of FREE).
  return Atomics.compareExchange(i32, STATE, FREE, me) === FREE;
}

/** Bookkeeping of a new owner: counts the acquisition for waiters' fairness. */
export function acquired(i32: Int32Array): void {
  // Owner-only plain write (waiters read it with Atomics.load; a stale value
  // only delays their hand-off request).
  i32[SEQ] = ((i32[SEQ] as number) + 1) | 0;
}

/**
 * Releases a lock the caller owns (checked by the caller): hands it to a live
 * heir, or frees it and wakes one sleeper if anyone may be asleep.
 */
export function unlock(i32: Int32Array): void {
  // Pairs with the heir's CAS in LockWait (registration).
  if (Atomics.load(i32, HEIR) !== 0 && handOff(i32)) return;
  // Publishes the critical section and "free"; pairs with the acquire CAS
  // and with the waiters' load of STATE after their WAITERS increment.
  Atomics.store(i32, STATE, FREE);
  // After the store (see the no-lost-wake-up invariant); pairs with the
  // waiters' Atomics.add on WAITERS.
  if (Atomics.load(i32, WAITERS) !== 0) notify(i32, STATE, 1);
}

function handOff(i32: Int32Array): boolean {
  const heir = Atomics.load(i32, HEIR);
  if (heir === 0) return false;
  if (isThreadAlive(heir) === false) {
    // A dead heir is forgotten; the lock is freed normally.
    Atomics.compareExchange(i32, HEIR, heir, 0);
    return false;
  }
  // Consumes the request: after this CAS the heir cannot retract it, and
  // waits until STATE holds its identity (below).
  if (Atomics.compareExchange(i32, HEIR, heir, 0) !== heir) return false;
  // Hands the lock over (publishes the critical section to the heir, whose
  // load of STATE sees its own identity).
  Atomics.store(i32, STATE, heir);
  // The heir may sleep with any owner value it saw: wake everyone on STATE.
  notify(i32, STATE);
  return true;
}

/** What a lock's slow path needs to know about the lock, for errors. */
export interface LockInfo {
  readonly i32: Int32Array;
  /** "Lock.acquire", "RLock.acquireAsync", … */
  readonly what: string;
  /** Name for messages ("lock \"db\"" or "lock #1234"). */
  readonly label: string;
}

/**
 * One waiting acquisition: the slow path of acquire and acquireAsync,
 * written once and driven by core's driveSync (SPIN_LIMIT spins) or
 * driveAsync (ASYNC_SPIN_LIMIT), and by the model tests. `step()` ends
 * with the lock owned (`result` = the dead owner it took over, or 0), or
 * sleeps on STATE while it holds the owner seen; it throws TimeoutError /
 * AbortError / DeadlockError having cleaned up. `finish()` (always called)
 * gives up a pending hand-off request and leaves WAITERS.
 */
export class LockWait implements WaitLoop<number> {
  readonly i32: Int32Array;
  readonly index = STATE;
  expected = 0;
  sleepMs = 0;
  /** 0, or the dead owner whose lock this wait took over (the caller gets OwnerDiedError). */
  result = 0;
  readonly #info: LockInfo;
  readonly #me: number;
  readonly #deadline: Deadline;
  readonly #spinLimit: number;
  readonly #detect: boolean;
  readonly #seqStart: number;
  #spins = 0;
  #registered = false;
  #heir = false;
  #seenEpoch = Number.NaN;
  #publishedOwner = 0;
  #suspect: string | undefined;

  constructor(info: LockInfo, me: number, deadline: Deadline, spinLimit: number) {
    this.i32 = info.i32;
    this.#info = info;
    this.#me = me;
    this.#deadline = deadline;
    this.#spinLimit = spinLimit;
    // Written once by the creator.
    this.#detect = (Atomics.load(info.i32, FLAGS) & DETECT_DEADLOCKS) !== 0;
    // Pairs with the owners' SEQ increments: the start of our count of overtakes.
    this.#seqStart = Atomics.load(info.i32, SEQ);
  }

  // One pass of the acquisition protocol (see the module comment): its
  // checks are ordered (free, ours, deadline, dead owner, spin, register,
  // hand-off, sleep) and read one owner value; split, that order would be
  // spread over several functions.
  step(): boolean {
    const i32 = this.i32;
    const me = this.#me;
    for (;;) {
      // Pairs with the owner's stores of FREE / heir and the acquire CASes.
      const owner = Atomics.load(i32, STATE);
      if (owner === FREE) {
        if (tryLock(i32, me)) return this.#done(0);
        continue; // someone else took it between the load and the CAS
      }
      if (owner === me) {
        // Only an heir is handed the lock; otherwise this thread holds it already.
        if (this.#heir) return this.#done(0);
        this.#leave();
        throw selfDeadlock(this.#info, me);
      }
      if (this.#deadline.signal?.aborted) this.#giveUp(abortError(this.#deadline.signal.reason));
      if (this.#deadline.expired) {
        this.#giveUp(this.#deadline.timeoutError(`${this.#info.what} on ${this.#info.label}`));
      }
      const epoch = deathEpoch();
      if (epoch !== this.#seenEpoch) {
        this.#seenEpoch = epoch;
        if (isThreadAlive(owner) === false) {
          // Takes over the dead owner's lock: exactly one acquirer's CAS wins.
          if (Atomics.compareExchange(i32, STATE, owner, me) === owner) return this.#done(owner);
          continue;
        }
      }
      // Spin briefly, unless others already overtook us often enough.
      if (this.#spins < this.#spinLimit && this.#overtaken() < HANDOFF_AFTER) {
        spinWait(this.#spins++);
        continue;
      }
      if (!this.#registered) {
        this.#registered = true;
        // Announces a possible sleeper *before* the next load of STATE (the
        // no-lost-wake-up argument); pairs with the load in unlock.
        Atomics.add(i32, WAITERS, 1);
        continue;
      }
      if (!this.#heir && this.#overtaken() >= HANDOFF_AFTER) this.#askForHandOff();
      let sleepMs = this.#deadline.remainingMs();
      if (isThreadAlive(owner) !== undefined || this.#heir) {
        sleepMs = Math.min(sleepMs, LIVENESS_POLL_MS);
      }
      if (this.#detect) {
        this.#detectDeadlock(owner);
        sleepMs = Math.min(sleepMs, LIVENESS_POLL_MS);
      }
      this.expected = owner;
      this.sleepMs = sleepMs;
      return false;
    }
  }

  /** However the wait ended: no hand-off request left behind, WAITERS and the wait-for entry undone. */
  finish(): void {
    this.#retractHandOff();
    this.#leave();
  }

  /** Acquisitions by others since this wait began (from SEQ). */
  #overtaken(): number {
    // Pairs with the owners' SEQ increments (a stale value only delays us).
    return (Atomics.load(this.#info.i32, SEQ) - this.#seqStart) | 0;
  }

  #askForHandOff(): void {
    const i32 = this.#info.i32;
    // Pairs with the owner's load/CAS of HEIR in unlock.
    const current = Atomics.load(i32, HEIR);
    if (current !== 0 && current !== this.#me) {
      if (isThreadAlive(current) !== false) return; // someone else is the heir
      // A dead heir: clear it, then try for ourselves.
      Atomics.compareExchange(i32, HEIR, current, 0);
    }
    // Registers as heir: the next release hands the lock to us.
    this.#heir = Atomics.compareExchange(i32, HEIR, 0, this.#me) === 0;
  }

  /** A timeout or abort: leave (returning a lock already handed to us), then throw. */
  #giveUp(error: Error): never {
    this.#retractHandOff();
    this.#leave();
    throw error;
  }

  /**
   * Withdraws our hand-off request, if any. If an owner consumed it first,
   * the lock is ours at once (the owner stores STATE = us right after its
   * CAS of HEIR): take it and release it, so that it is never left with a
   * thread that does not know it holds it.
   */
  #retractHandOff(): void {
    if (!this.#heir) return;
    this.#heir = false;
    const i32 = this.i32;
    // Fails only if an owner's CAS in handOff consumed the request first.
    if (Atomics.compareExchange(i32, HEIR, this.#me, 0) === this.#me) return;
    for (let spins = 0; ; spins++) {
      // Pairs with the handing owner's store of STATE = heir.
      const owner = Atomics.load(i32, STATE);
      if (owner === this.#me) break;
      // An owner that died between its two writes had finished its critical
      // section (it was releasing): take the lock over and release it.
      if (isThreadAlive(owner) === false) {
        if (Atomics.compareExchange(i32, STATE, owner, this.#me) === owner) break;
        continue;
      }
      // The store follows the owner's CAS: wait briefly, spinning first.
      if (spins < SPIN_LIMIT) spinWait(spins);
      else waitSync(i32, STATE, owner, LIVENESS_POLL_MS);
    }
    acquired(i32);
    unlock(i32);
  }

  #done(deadOwner: number): true {
    if (this.#heir) {
      // We own the lock: clear our request if a release did not consume it
      // (only an owner consumes it, and we are the owner now).
      Atomics.compareExchange(this.i32, HEIR, this.#me, 0);
      this.#heir = false;
    }
    this.#leave();
    acquired(this.i32);
    this.result = deadOwner;
    return true;
  }

  /** Undoes the registration (WAITERS, wait-for entry). Idempotent. */
  #leave(): void {
    if (this.#registered) {
      this.#registered = false;
      // Pairs with the load in unlock (a releaser may skip its notify now).
      Atomics.sub(this.#info.i32, WAITERS, 1);
    }
    if (this.#publishedOwner !== 0) {
      this.#publishedOwner = 0;
      clearWaitingFor();
    }
  }

  /** Publishes our wait, walks the wait-for graph, throws if a cycle is confirmed. */
  #detectDeadlock(owner: number): void {
    const key = Atomics.load(this.#info.i32, KEY_LO); // written once by the creator
    if (owner !== this.#publishedOwner) {
      if (!setWaitingFor(key, owner)) return; // a thread outside the runtime tree
      this.#publishedOwner = owner;
    }
    const cycle = findCycle(this.#me, key, owner);
    if (cycle === undefined) {
      this.#suspect = undefined;
      return;
    }
    // Confirmed when the same cycle is seen on two looks a slice apart, and
    // thrown by one thread of it only (the highest identity): the others
    // keep waiting and proceed once it releases what it holds.
    const text = cycle.description.join(" | ");
    if (this.#suspect !== text) {
      this.#suspect = text;
      return;
    }
    if (cycle.threads.some((t) => t > this.#me)) return;
    if (this.#heir) {
      if (Atomics.compareExchange(this.#info.i32, HEIR, this.#me, 0) !== this.#me) return;
      this.#heir = false;
    }
    this.#leave();
    throw cycle.error();
  }
}

/** Core's AbortError for a signal's reason (the wait layer rejects with a DOMException). */
export function abortError(reason: unknown): AbortError {
  return new AbortError(reason);
}
