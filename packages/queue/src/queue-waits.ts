/**
 * The waits of a Queue, each written once as a core WaitLoop: the blocking
 * form runs it with `driveSync`, the async form with `driveAsync`, and the
 * interleaving models with `drive`. A put waits for room (PutWait), a get for
 * an item (GetWait), `waitReadable` for an item without taking it
 * (ReadableWait).
 *
 * Each loop spins first (the blocking forms: `spins` rounds of `spinWait`,
 * trying whenever the racy snapshot says it may work), then sleeps on a
 * sequence word of the header (record-ring.ts): dataSeq for consumers,
 * spaceSeq for producers. The async forms do not spin (`ASYNC_SPINS`): a
 * spinning async call would hold up the whole event loop.
 *
 * No lost wake-up: a sleeping waiter registers in its waiter count (once,
 * undone by `finish()`), then reads the sequence word, then re-checks the
 * state under the lock, then sleeps on the sequence word expecting the value
 * it read. A notifier (RecordRing.commit / take / close) changes the state,
 * then increments the sequence word, then reads the waiter count. All are
 * sequentially consistent, so either the waiter's re-check sees the change,
 * or the notifier's increment comes after the waiter's read (the sleep
 * returns at once) and its read of the count sees the waiter (it notifies).
 *
 * Fairness: no FIFO order among waiters (the lock barges, a spinning thread
 * may take an item before a woken sleeper). Every blocked call re-checks on
 * each change and is bounded by its deadline; with steady traffic every
 * waiter makes progress in practice, but it is not a strict FIFO.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import type { Deadline, WaitLoop } from "@sabkit/core/internal";
import {
  DATA_SEQ,
  DATA_WAITERS,
  type RecordRing,
  SPACE_SEQ,
  SPACE_WAITERS,
} from "./record-ring.js";
import type { Scratch, Stage } from "./staging.js";

/** Spin rounds (bounded backoff) of a blocking wait before it sleeps. */
export const SPINS = 100;
/** Spin rounds of an async wait: none, it must not hold up the event loop. */
export const ASYNC_SPINS = 0;

/**
 * What every queue wait shares: spin, then register in a waiter count and
 * sleep on a sequence word until `attempt()` succeeds or the deadline ends
 * the wait. A subclass says what to try (`attempt`), what the spin phase
 * looks at first (`mayAttempt`) and what it waits for (for the timeout
 * message). No allocation per step.
 */
abstract class QueueWait<T> implements WaitLoop<T> {
  readonly i32: Int32Array;
  readonly index: number;
  expected = 0;
  sleepMs = 0;
  abstract result: T;
  protected readonly ring: RecordRing;
  readonly #waitersIndex: number;
  readonly #deadline: Deadline;
  readonly #spins: number;
  readonly #what: string;
  #spun = 0;
  #registered = false;
  /** Has slept at least once (so a wake-up may have been meant for it). */
  protected slept = false;

  constructor(
    ring: RecordRing,
    seqIndex: number,
    waitersIndex: number,
    deadline: Deadline,
    spins: number,
    what: string,
  ) {
    this.ring = ring;
    this.i32 = ring.i32;
    this.index = seqIndex;
    this.#waitersIndex = waitersIndex;
    this.#deadline = deadline;
    this.#spins = spins;
    this.#what = what;
  }

  /** Tries once, under the lock where it must; `true` when the wait is over (`result` set). */
  protected abstract attempt(): boolean;
  /** A racy snapshot: may `attempt()` succeed now? (spinning tries only then). */
  protected abstract mayAttempt(): boolean;
  /** What the wait is for, in a timeout message ("room", "an item"). */
  protected abstract readonly waitingFor: string;

  step(): boolean {
    const deadline = this.#deadline;
    // Bounded by #spins; each round backs off a little more.
    while (this.#spun < this.#spins) {
      spinWait(this.#spun++);
      if (this.mayAttempt() && this.attempt()) return true;
    }
    // Woken, or the sleep timed out: try once more before giving up.
    if (this.slept && this.attempt()) return true;
    deadline.throwIfAborted();
    if (deadline.expired) {
      throw deadline.timeoutError(
        `${this.ring.name}.${this.#what} (waiting for ${this.waitingFor})`,
      );
    }
    if (!this.#registered) {
      this.#registered = true;
      // Registers before the read of the sequence word below; pairs with the
      // notifier's load of the waiter count after its increment.
      Atomics.add(this.i32, this.#waitersIndex, 1);
    }
    // Read after registering, before the re-check: a change after the
    // re-check moves the word, so the sleep returns at once or is woken.
    this.expected = Atomics.load(this.i32, this.index);
    if (this.attempt()) return true;
    this.sleepMs = deadline.remainingMs();
    this.slept = true;
    return false;
  }

  finish(): void {
    // Unregisters; a notifier that loads the count later skips the notify.
    if (this.#registered) Atomics.sub(this.i32, this.#waitersIndex, 1);
  }
}

/** A put's wait for room: ends when the next staged record went into the ring (some may follow). */
export class PutWait extends QueueWait<void> {
  result: undefined = undefined;
  protected readonly waitingFor = "room";
  readonly #stage: Stage;
  readonly #deadline: Deadline;

  constructor(ring: RecordRing, stage: Stage, deadline: Deadline, spins: number, what: string) {
    super(ring, SPACE_SEQ, SPACE_WAITERS, deadline, spins, what);
    this.#stage = stage;
    this.#deadline = deadline;
  }

  protected attempt(): boolean {
    return this.ring.commit(this.#stage, this.#deadline) > 0;
  }

  protected mayAttempt(): boolean {
    return this.ring.mayFit(this.#stage.nextRecordBytes());
  }
}

/** A get's wait for items: `result` is the end byte of the records taken into the scratch (> 0). */
export class GetWait extends QueueWait<number> {
  result = 0;
  protected readonly waitingFor = "an item";
  readonly #scratch: Scratch;
  readonly #max: number;
  readonly #deadline: Deadline;

  constructor(
    ring: RecordRing,
    scratch: Scratch,
    max: number,
    deadline: Deadline,
    spins: number,
    what: string,
  ) {
    super(ring, DATA_SEQ, DATA_WAITERS, deadline, spins, what);
    this.#scratch = scratch;
    this.#max = max;
    this.#deadline = deadline;
  }

  protected attempt(): boolean {
    this.result = this.ring.take(this.#scratch, this.#max, this.#deadline);
    return this.result !== 0;
  }

  protected mayAttempt(): boolean {
    return this.ring.readable();
  }
}

/**
 * `waitReadable`'s wait: ends when an item is there or the queue is closed,
 * taking nothing. `result`: whether it slept (then it may have been woken by
 * a put meant for a getter, and passes the wake-up on: {@link passWakeOn}).
 */
export class ReadableWait extends QueueWait<boolean> {
  result = false;
  protected readonly waitingFor = "an item";

  constructor(ring: RecordRing, deadline: Deadline, spins: number, what: string) {
    super(ring, DATA_SEQ, DATA_WAITERS, deadline, spins, what);
  }

  protected attempt(): boolean {
    if (!this.ring.readable()) return false;
    this.result = this.slept;
    return true;
  }

  protected mayAttempt(): boolean {
    return true;
  }
}

/**
 * A put wakes as many sleepers as it put items, each expected to take one;
 * a waitReadable that was woken takes none, so it hands the wake-up on to
 * one more sleeper, if there is one (a getter woken for nothing retries
 * and sleeps again). Called after the wait unregistered.
 */
export function passWakeOn(i32: Int32Array): void {
  // Sees the other sleepers' registrations (their Atomics.add of DATA_WAITERS).
  if (Atomics.load(i32, DATA_WAITERS) > 0) notify(i32, DATA_SEQ, 1);
}
