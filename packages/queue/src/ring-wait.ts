/**
 * The waiting forms of a {@link RingBuffer} (pushValue, pushAll, popValue,
 * popSome; blocking and async), written once as {@link RingWait}, a core
 * WaitLoop that driveSync and driveAsync run. The ring's layout and the
 * sleeping protocol (a waiting flag per side, announced before a last
 * re-check) are described at the top of ring-buffer.ts.
 */
import { SPIN_BACKOFF_CAP, spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import type { TimeoutError } from "@sabkit/core";
import type { Deadline, WaitLoop } from "@sabkit/core/internal";
import {
  CONSUMER_WAITING,
  corrupted,
  type ElementOf,
  PRODUCER_WAITING,
  READ_INDEX,
  RING_CLOSED,
  type RingBuffer,
  type RingElementArray,
  ringWords,
  WRITE_INDEX,
} from "./ring-buffer.js";

/** Looks at the other side's index before a blocking wait sleeps (async waits do not spin). */
const SPINS = 100;
/**
 * The one-value waits (pushValue / popValue) that find the other side
 * mid-stream wait for this many slots / values (at most a quarter of the
 * capacity) before going on, so a streaming pair takes its slow path once
 * per batch instead of once per value (see RingWait).
 */
const STREAM_BATCH = 256;
/** Looks at a ring that is still growing before a one-value wait takes what is there. */
const STREAM_LOOKS = 4;
/** spinWait(SPIN_BACKOFF_CAP) calls (~0.3 µs each here) before a second look at a ring that holds some. */
const LOOK_GAP = 1;
/** spinWait(SPIN_BACKOFF_CAP) calls (~2.5 µs in all) between looks at a ring that is still growing. */
const STREAM_GAP = 8;

/**
 * The TimeoutError of a timed-out `pushAll` / `pushAllAsync`: `written`
 * values (the leading ones) went into the ring before the timeout.
 */
export type PushAllTimeoutError = TimeoutError & { readonly written: number };

/** Free slots (producer's flag) or values (consumer's flag) now; the capacity once closed. */
function takeable(i32: Int32Array, capacity: number, flag: number): number {
  // Sees close() (its store of RING_CLOSED): a closed ring ends every wait.
  if (Atomics.load(i32, RING_CLOSED) !== 0) return capacity;
  // Loads of both counters, paired with their owners' stores.
  const count = (Atomics.load(i32, WRITE_INDEX) - Atomics.load(i32, READ_INDEX)) | 0;
  if (count < 0 || count > capacity) throw corrupted(`writeIndex - readIndex is ${count}`);
  return flag === PRODUCER_WAITING ? capacity - count : count;
}

/**
 * The slow path of every waiting form (pushValue, pushAll, popValue,
 * popSome, blocking and async): one loop of rounds, each ending with an
 * `attempt()` of the non-waiting operation once the other side made room or
 * data (or closed the ring).
 *
 * A round of a blocking form first spins (SPINS looks): a ring that the
 * other side is still filling (or draining) is given time to reach `batch`
 * values (or free slots; more than 1 only for the one-value forms). A
 * consumer that went on at the first value would run one value behind the
 * producer, and every value would then move the producer's index line
 * between the cores twice; each look at that line also stalls the
 * producer's next store to it, so the looks are spaced (~0.3 µs, then ~2.5 µs
 * while the ring grows, at most STREAM_LOOKS of those) and touch no shared
 * line in between. A ring that has not grown between two looks is taken as
 * it is: a lone value waits ~0.3 µs more, a slow trickle ~10 µs at most.
 * Async forms do not spin (it would hold up the event loop).
 *
 * Then it announces the sleep in its flag, re-checks, and sleeps on the flag
 * while it holds 1 (see "Sleeping" in ring-buffer.ts); the flag is taken back after
 * every sleep and by `finish()`, however the wait ends.
 */
export abstract class RingWait<T> implements WaitLoop<T> {
  readonly i32: Int32Array;
  /** The waiting flag: PRODUCER_WAITING or CONSUMER_WAITING. */
  readonly index: number;
  readonly expected = 1;
  sleepMs = 0;
  result = undefined as T;
  readonly #capacity: number;
  readonly #deadline: Deadline;
  readonly #what: string;
  readonly #spins: number;
  /** Values (or free slots) a spinning look waits for; 1 but for the one-value forms. */
  readonly #enough: number;
  /** Our flag is 1: set before a sleep, taken back after it. */
  #announced = false;

  constructor(
    ring: RingBuffer<RingElementArray>,
    flag: number,
    deadline: Deadline,
    what: string,
    blocking: boolean,
    batch: number,
  ) {
    this.i32 = ringWords(ring);
    this.index = flag;
    this.#capacity = ring.capacity;
    this.#deadline = deadline;
    this.#what = what;
    this.#spins = blocking ? SPINS : 0;
    this.#enough = Math.min(batch, Math.ceil(ring.capacity / 4));
  }

  /** The non-waiting operation: `true` (with `result` set) once it is done. */
  protected abstract attempt(): boolean;

  /** The error of an expired deadline. */
  protected timeoutError(deadline: Deadline, what: string): Error {
    return deadline.timeoutError(`RingBuffer.${what}`);
  }

  step(): boolean {
    if (this.#announced) {
      // Woken (or the sleep timed out): take the flag back, then look.
      this.#release();
      if (!this.#ready() && !this.#announce()) return false;
      if (this.attempt()) return true;
    }
    // Bounded: each round sleeps, or attempts with room/data there (which
    // makes progress or throws ClosedError).
    for (;;) {
      if (!this.#spin() && !this.#announce()) return false;
      if (this.attempt()) return true;
    }
  }

  finish(): void {
    if (this.#announced) this.#release();
  }

  #ready(): boolean {
    return takeable(this.i32, this.#capacity, this.index) > 0;
  }

  /** Spins (blocking forms only); `true` once the other side made enough room or data. */
  #spin(): boolean {
    const enough = this.#enough;
    let seen = 0;
    let looks = 0;
    for (let spin = 0; spin < this.#spins; spin++) {
      const have = takeable(this.i32, this.#capacity, this.index);
      if (have >= enough || (have !== 0 && (have === seen || looks >= STREAM_LOOKS))) return true;
      if (have === 0) spinWait(spin);
      else {
        if (seen !== 0) looks++;
        for (let k = seen === 0 ? LOOK_GAP : STREAM_GAP; k > 0; k--) spinWait(SPIN_BACKOFF_CAP);
      }
      seen = have;
    }
    return false;
  }

  /**
   * `true` when the side can go on; otherwise announces the sleep and
   * returns `false` with `sleepMs` set. Throws on abort and timeout.
   */
  #announce(): boolean {
    const deadline = this.#deadline;
    deadline.throwIfAborted();
    if (this.#ready()) return true;
    if (deadline.expired) throw this.timeoutError(deadline, this.#what);
    // Announces the sleep; pairs with the other side's load of the flag after
    // its publishing store. Then the re-check below (see "Sleeping" in ring-buffer.ts).
    Atomics.store(this.i32, this.index, 1);
    this.#announced = true;
    if (this.#ready()) {
      this.#release();
      return true;
    }
    this.sleepMs = deadline.remainingMs();
    return false;
  }

  #release(): void {
    this.#announced = false;
    // Takes our announcement back (the other side may have cleared it already).
    Atomics.store(this.i32, this.index, 0);
  }
}

/**
 * pushAll's wait: pushes the rest of `source` as room appears; `written`
 * counts its leading values in the ring. A sender that pushes several
 * sources in turn (the pipe's frames) reuses one with {@link again}.
 */
export class PushAllWait<A extends RingElementArray> extends RingWait<void> {
  readonly #ring: RingBuffer<A>;
  #source: A;
  /** Leading values of the source in the ring so far. */
  written: number;

  constructor(
    ring: RingBuffer<A>,
    source: A,
    written: number,
    deadline: Deadline,
    what: string,
    blocking: boolean,
  ) {
    super(ring as never, PRODUCER_WAITING, deadline, what, blocking, 1);
    this.#ring = ring;
    this.#source = source;
    this.written = written;
  }

  /** Makes this (finished) wait push the rest of `source`, of which `written` values went in. */
  again(source: A, written: number): this {
    this.#source = source;
    this.written = written;
    return this;
  }

  protected attempt(): boolean {
    this.written += this.#ring.push(this.#source.subarray(this.written) as never);
    return this.written === this.#source.length;
  }

  protected override timeoutError(deadline: Deadline, what: string): PushAllTimeoutError {
    const error = deadline.timeoutError(`RingBuffer.${what}`);
    error.message += ` (${this.written} values were pushed before the timeout)`;
    return Object.assign(error, { written: this.written });
  }
}

/** pushValue's wait (spinning for a batch of free slots when blocking). */
export class PushValueWait<A extends RingElementArray> extends RingWait<void> {
  readonly #ring: RingBuffer<A>;
  readonly #value: ElementOf<A>;

  constructor(
    ring: RingBuffer<A>,
    value: ElementOf<A>,
    deadline: Deadline,
    what: string,
    blocking: boolean,
  ) {
    super(ring as never, PRODUCER_WAITING, deadline, what, blocking, STREAM_BATCH);
    this.#ring = ring;
    this.#value = value;
  }

  protected attempt(): boolean {
    return this.#ring.tryPushValue(this.#value);
  }
}

/** popValue's wait (spinning for a batch of values when blocking). */
export class PopValueWait<A extends RingElementArray> extends RingWait<ElementOf<A>> {
  readonly #ring: RingBuffer<A>;

  constructor(ring: RingBuffer<A>, deadline: Deadline, what: string, blocking: boolean) {
    super(ring as never, CONSUMER_WAITING, deadline, what, blocking, STREAM_BATCH);
    this.#ring = ring;
  }

  protected attempt(): boolean {
    const value = this.#ring.tryPopValue();
    if (value === undefined) return false;
    this.result = value;
    return true;
  }
}

/**
 * popSome's wait: pops into `into` once values are there; `result` is how
 * many. A receiver that fills several views in turn reuses one with
 * {@link again}.
 */
export class PopSomeWait<A extends RingElementArray> extends RingWait<number> {
  readonly #ring: RingBuffer<A>;
  #into: A;

  constructor(ring: RingBuffer<A>, into: A, deadline: Deadline, what: string, blocking: boolean) {
    super(ring as never, CONSUMER_WAITING, deadline, what, blocking, 1);
    this.#ring = ring;
    this.#into = into;
  }

  /** Makes this (finished) wait pop into `into` next. */
  again(into: A): this {
    this.#into = into;
    return this;
  }

  protected attempt(): boolean {
    this.result = this.#ring.pop(this.#into);
    return this.result !== 0;
  }
}
