/**
 * Condition: a condition variable bound to a Lock or RLock (Python's
 * `multiprocessing.Condition`), in shared memory.
 *
 * ## Shared layout (Int32Array words, `CONDITION_LAYOUT`)
 *
 * | index       | field        | legal values                                    | written by                          |
 * |-------------|--------------|-------------------------------------------------|-------------------------------------|
 * | 0           | TAG          | the Condition kind tag                          | creator, once                       |
 * | 1           | HEAD         | any (wraps): tickets below it are notified      | notify / notifyAll, under the lock  |
 * | 2           | TAIL         | any (wraps): the next waiter's ticket           | wait (enqueue), under the lock      |
 * | 3           | reserved     | 0                                               | nobody                              |
 * | 4 .. 4+31   | CANCELLED[w] | bit b = ticket `32w + b (mod MAX_WAITERS)` left | a leaving waiter (set), notify      |
 * |             |              | by timeout/abort before it was notified         | (clear when passing it), under lock |
 *
 * Waiters are tickets in `[HEAD, TAIL)`, FIFO. `TAIL - HEAD` is in
 * `[0, MAX_WAITERS]` (checked on every read: corrupted memory is an
 * InvalidHandleError).
 *
 * ## Transitions (all writes happen with the condition's lock held)
 *
 * - wait: ticket = TAIL, TAIL += 1; release the lock; sleep on HEAD until
 *   `HEAD - ticket > 0` (notified), or the timeout / abort; re-acquire the
 *   lock; if not notified by then, set CANCELLED[ticket].
 * - notify(n): advance HEAD over the next n tickets that are not cancelled
 *   (clearing the cancelled bits it passes), then wake the sleepers on HEAD.
 *
 * ## Invariants
 *
 * - notify(n) wakes exactly min(n, live waiters) waiters, the oldest first:
 *   a cancelled ticket is skipped, never counted (no lost wake-up when a
 *   waiter times out), and a waiter that starts waiting after a notify
 *   cannot take that notify (its ticket is past the new HEAD).
 * - No lost wake-up: a waiter reads HEAD after taking its ticket and sleeps
 *   with `waitSync(HEAD, seen)`, which compares and enqueues in one step; a
 *   notifier stores HEAD before it notifies.
 * - A waiter that was notified and then aborted passes its notification on
 *   (notify(1)) before it throws AbortError.
 * - notify wakes every sleeper on HEAD; those whose ticket was not reached
 *   sleep again (one wasted wake-up each, the price of exact counts).
 */
import { notify as wake } from "@sabkit/atomics-sync-polyfill";
import {
  AbortError,
  type Guard,
  type Handle,
  InvalidHandleError,
  NotOwnerError,
  type Placement,
  SabkitError,
  type Shareable,
  type WaitOptions,
} from "@sabkit/core";
import {
  attachedHandle,
  attachOptions,
  Deadline,
  defineKind,
  defineLayout,
  driveAsync,
  driveSync,
  placeRegion,
  registerKind,
  validateCount,
  type WaitLoop,
} from "@sabkit/core/internal";
import { Lock } from "./lock.js";
import {
  ACQUIRE_RESTORE,
  ACQUIRE_RESTORE_ASYNC,
  isLockable,
  type Lockable,
  OWNED,
  RELEASE_SAVE,
} from "./lockable.js";
import type { LockHandle, RLockHandle } from "./mutex.js";
import { RLock } from "./rlock.js";

/** Most threads / async waits that can wait on one Condition at once. */
export const MAX_WAITERS = 1024;

export const CONDITION_LAYOUT = defineLayout({
  tag: "int32",
  head: "int32",
  tail: "int32",
  reserved: "int32",
  cancelled: { type: "int32", length: MAX_WAITERS / 32 },
});
const HEAD = CONDITION_LAYOUT.fields.head.index;
const TAIL = CONDITION_LAYOUT.fields.tail.index;
const CANCELLED = CONDITION_LAYOUT.fields.cancelled.index;

export interface ConditionHandle extends Handle<"condition"> {
  /** The handle of the condition's lock. */
  readonly lock: LockHandle | RLockHandle;
}

const KIND = defineKind<ConditionHandle>({
  kind: "condition",
  version: 1,
  package: "@sabkit/lock",
  layout: CONDITION_LAYOUT,
});

/**
 * A condition variable: wait until another worker signals that some shared
 * state changed. Always used with its lock held.
 *
 * @example
 * ```ts
 * const cond = new Condition(new Lock());
 * // consumer
 * {
 *   using held = cond.acquire();
 *   cond.waitFor(() => items[0] > 0, { timeout: 1000 });
 * }
 * // producer
 * {
 *   using held = cond.acquire();
 *   items[0]++;
 *   cond.notify();
 * }
 * ```
 */
export class Condition implements Shareable<ConditionHandle> {
  static {
    registerKind(KIND.kind, { from: (handle) => Condition.from(handle) });
  }

  /** Bytes a Condition takes in a caller's buffer (`new Condition(lock, { buffer, byteOffset })`); its lock is placed on its own. */
  static readonly byteLength = CONDITION_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed Condition needs. */
  static readonly alignment = CONDITION_LAYOUT.alignment;

  readonly handle: ConditionHandle;
  readonly #i32: Int32Array;
  readonly #lock: Lock | RLock;

  /**
   * A new condition over `lock` (a new RLock by default, as in Python): in
   * its own shared memory, or at `byteOffset` of the caller's `buffer`
   * (`Condition.byteLength` bytes, zeroed first).
   *
   * @throws TypeError when `lock` is not a Lock or RLock; InvalidHandleError
   * for a placement that is not a SharedArrayBuffer region of
   * `Condition.byteLength` bytes aligned to `Condition.alignment`.
   */
  constructor(lock?: Lock | RLock, options?: Placement) {
    if (lock !== undefined && !isLockable(lock)) {
      throw new TypeError(
        "new Condition(lock): lock must be a Lock or RLock of @sabkit/lock, or undefined for a new RLock",
      );
    }
    let handle = attachedHandle<ConditionHandle>(options);
    this.#lock = lock ?? new RLock();
    if (handle === undefined) {
      const region = placeRegion(CONDITION_LAYOUT, options, "new Condition(lock, options)");
      KIND.writeTag(region.i32);
      handle = KIND.makeHandle(region, { lock: this.#lock.handle });
    }
    this.handle = handle;
    this.#i32 = KIND.attachHandle(handle, "Condition.from(handle)");
  }

  /**
   * Revives a condition (and its lock) from its handle.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag, here or in `handle.lock`.
   */
  static from(handle: unknown): Condition {
    const checked = KIND.validate(handle, "Condition.from(handle)");
    const lockHandle = checked.lock as Handle | undefined;
    const lock =
      lockHandle !== null && typeof lockHandle === "object" && lockHandle.kind === "rlock"
        ? RLock.from(lockHandle)
        : Lock.from(lockHandle);
    return new Condition(lock, attachOptions(checked) as Placement); // the one option a user cannot spell
  }

  /** The condition's lock. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /** `lock.acquire(options)`. */
  acquire(options?: WaitOptions): Guard {
    return this.#lock.acquire(options);
  }

  /** `lock.acquireAsync(options)`. */
  acquireAsync(options?: WaitOptions): Promise<Guard> {
    return this.#lock.acquireAsync(options);
  }

  /** `lock.tryAcquire()`. */
  tryAcquire(): boolean {
    return this.#lock.tryAcquire();
  }

  /** `lock.release()`. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, sleeps until notified (or the timeout), re-acquires
   * the lock (however long that takes, as Python does) and returns `true` if
   * notified, `false` if the timeout ran out.
   *
   * @throws NotOwnerError without the lock held; AbortError when `signal`
   * aborted (the lock is held again); OwnerDiedError if the lock's owner died
   * while we waited to re-acquire it (held again: repair, then release as usual).
   */
  wait(options?: WaitOptions): boolean {
    const wait = this.#begin(Deadline.from(options, "Condition.wait options"), "wait");
    let notified = false;
    try {
      notified = driveSync(wait);
    } finally {
      this.#restore(wait, notified);
    }
    return this.#result(wait, notified);
  }

  /** {@link Condition.wait} without blocking the thread. */
  async waitAsync(options?: WaitOptions): Promise<boolean> {
    const wait = this.#begin(Deadline.from(options, "Condition.waitAsync options"), "waitAsync");
    let notified = false;
    try {
      notified = await driveAsync(wait, wait.deadline.signal);
    } catch (error) {
      // An abort: like a timeout, re-acquire first (#result then throws AbortError).
      if (!wait.deadline.signal?.aborted) {
        await this.#restoreAsync(wait, false);
        throw error;
      }
    }
    await this.#restoreAsync(wait, notified);
    return this.#result(wait, notified);
  }

  /** Takes a ticket and releases the lock: the wait that follows sleeps on HEAD. */
  #begin(deadline: Deadline, method: string): ConditionWait {
    const ticket = this.#enqueue(method);
    return new ConditionWait(this.#i32, ticket, this.#lock[RELEASE_SAVE](), deadline);
  }

  /**
   * Waits until `predicate()` is truthy (checked first, then after every
   * wake-up, with the lock held); returns its last value, falsy if the
   * timeout ran out first.
   */
  waitFor<T>(predicate: () => T, options?: WaitOptions): T {
    checkPredicate(predicate, "Condition.waitFor");
    const deadline = Deadline.from(options, "Condition.waitFor options");
    let result = predicate();
    while (!result) {
      if (deadline.expired) break;
      this.wait({ timeout: deadline.remainingMs(), signal: deadline.signal });
      result = predicate();
    }
    return result;
  }

  /** {@link Condition.waitFor} without blocking the thread. */
  async waitForAsync<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    checkPredicate(predicate, "Condition.waitForAsync");
    const deadline = Deadline.from(options, "Condition.waitForAsync options");
    let result = predicate();
    while (!result) {
      if (deadline.expired) break;
      await this.waitAsync({ timeout: deadline.remainingMs(), signal: deadline.signal });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes the `n` longest-waiting waiters (fewer if fewer wait). Call it with
   * the lock held.
   *
   * @throws NotOwnerError without the lock held; RangeError for a bad `n`.
   */
  notify(n = 1): void {
    validateCount(n, "Condition.notify(n): n", { min: 0 });
    this.#checkOwned("notify");
    this.#notifyLocked(n);
  }

  /** Wakes every waiter. Call it with the lock held. */
  notifyAll(): void {
    this.#checkOwned("notifyAll");
    this.#notifyLocked(MAX_WAITERS);
  }

  #checkOwned(method: string): void {
    if (!this.#lock[OWNED]()) {
      throw new NotOwnerError(
        `Condition.${method}(): the calling thread does not hold the condition's lock; ` +
          `acquire it first (using held = cond.acquire()), then ${method}`,
      );
    }
  }

  /** TAIL - HEAD, checked (shared memory is untrusted). Lock held. */
  #pending(): { head: number; tail: number; count: number } {
    // Under the lock: these pair with the stores of the previous holder.
    const head = Atomics.load(this.#i32, HEAD);
    const tail = Atomics.load(this.#i32, TAIL);
    const count = (tail - head) | 0;
    if (count < 0 || count > MAX_WAITERS) {
      throw new InvalidHandleError(
        `Condition: its shared words are corrupted (HEAD ${head}, TAIL ${tail}); create a new Condition`,
      );
    }
    return { head, tail, count };
  }

  #enqueue(method: string): number {
    this.#checkOwned(method);
    const { tail, count } = this.#pending();
    if (count === MAX_WAITERS) {
      throw new SabkitError(
        `Condition.${method}(): ${MAX_WAITERS} waiters already wait on this condition; ` +
          "wait on fewer at once (or use more conditions)",
      );
    }
    this.#setCancelled(tail, false);
    // Under the lock; publishes the ticket to the next holder (notify).
    Atomics.store(this.#i32, TAIL, (tail + 1) | 0);
    return tail;
  }

  #notifyLocked(n: number): void {
    const { head, count } = this.#pending();
    let index = head;
    let woken = 0;
    for (let k = 0; k < count && woken < n; k++) {
      if (this.#isCancelled(index)) this.#setCancelled(index, false);
      else woken++;
      index = (index + 1) | 0;
    }
    if (index === head) return;
    // Publishes the new HEAD (the notified tickets) to the waiters' loads.
    Atomics.store(this.#i32, HEAD, index);
    if (woken > 0) wake(this.#i32, HEAD);
  }

  #bit(ticket: number): { word: number; mask: number } {
    const slot = ticket & (MAX_WAITERS - 1);
    return { word: CANCELLED + (slot >>> 5), mask: 1 << (slot & 31) };
  }

  #isCancelled(ticket: number): boolean {
    const { word, mask } = this.#bit(ticket);
    return (Atomics.load(this.#i32, word) & mask) !== 0; // under the lock
  }

  #setCancelled(ticket: number, cancelled: boolean): void {
    const { word, mask } = this.#bit(ticket);
    // Under the lock; read by the next notifier.
    if (cancelled) Atomics.or(this.#i32, word, mask);
    else Atomics.and(this.#i32, word, ~mask);
  }

  #restore(wait: ConditionWait, notified: boolean): void {
    try {
      this.#lock[ACQUIRE_RESTORE](wait.saved);
    } finally {
      this.#settle(wait.ticket, notified);
    }
  }

  async #restoreAsync(wait: ConditionWait, notified: boolean): Promise<void> {
    try {
      await this.#lock[ACQUIRE_RESTORE_ASYNC](wait.saved);
    } finally {
      this.#settle(wait.ticket, notified);
    }
  }

  /** Lock held again: a waiter that was not notified cancels its ticket. */
  #settle(ticket: number, notified: boolean): void {
    if (notified) return;
    // Under the lock: pairs with the notifier's store.
    const head = Atomics.load(this.#i32, HEAD);
    if (((head - ticket) | 0) > 0) return; // notified after all (late)
    this.#setCancelled(ticket, true);
  }

  #result({ ticket, deadline }: ConditionWait, notified: boolean): boolean {
    const late = !notified && ((Atomics.load(this.#i32, HEAD) - ticket) | 0) > 0;
    const wasNotified = notified || late;
    if (deadline.signal?.aborted) {
      // A notification we consumed goes to the next waiter.
      if (wasNotified) this.#notifyLocked(1);
      throw new AbortError(deadline.signal.reason);
    }
    return wasNotified;
  }
}

/**
 * The sleep of wait / waitAsync (with the lock released), written once and
 * driven by core's driveSync or driveAsync: done with `true` once HEAD has
 * passed the ticket (notified), with `false` once the deadline passes or the
 * signal aborts (the caller re-acquires the lock either way). Sleeps on HEAD
 * while it holds the value seen (see the no-lost-wake-up invariant).
 */
class ConditionWait implements WaitLoop<boolean> {
  readonly i32: Int32Array;
  readonly index = HEAD;
  expected = 0;
  sleepMs = 0;
  result = false;
  readonly ticket: number;
  /** What ACQUIRE_RESTORE gives back to the lock (its recursion depth). */
  readonly saved: number;
  readonly deadline: Deadline;

  constructor(i32: Int32Array, ticket: number, saved: number, deadline: Deadline) {
    this.i32 = i32;
    this.ticket = ticket;
    this.saved = saved;
    this.deadline = deadline;
  }

  step(): boolean {
    // Pairs with the store of HEAD in notify.
    const head = Atomics.load(this.i32, HEAD);
    if (((head - this.ticket) | 0) > 0) return (this.result = true);
    if (this.deadline.signal?.aborted || this.deadline.expired) return !(this.result = false);
    this.expected = head;
    this.sleepMs = this.deadline.remainingMs();
    return false;
  }
}

function checkPredicate(predicate: unknown, what: string): void {
  if (typeof predicate !== "function") {
    throw new TypeError(
      `${what}(predicate): predicate must be a function returning a truthy value when done`,
    );
  }
}

export type { Lockable };
