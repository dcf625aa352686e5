/**
 * A ring of batch slots between one sender and one receiver, built directly
 * on the wait layer: the sender claims an empty slot, fills it in place and
 * publishes it; the receiver takes full slots in order, reads them in place
 * and hands them back. Several slots let both sides work at once; waiting
 * spins briefly and then sleeps, so a wake-up is paid at most per batch and
 * only when one side is actually ahead of the other.
 *
 * | Int32 index     | field             | values            | written by                                   |
 * | --------------- | ----------------- | ----------------- | -------------------------------------------- |
 * | s (0..SLOTS-1)  | slot state        | EMPTY, FULL, DONE | sender: EMPTY->FULL/DONE; receiver: ->EMPTY   |
 * | SLOTS + s       | slot length       | 0..BATCH          | sender, before it publishes FULL              |
 * | Float64 data from byte HEADER_BYTES: SLOTS × BATCH numbers (sender writes a slot while it owns it) |
 *
 * A slot is owned by the sender while EMPTY and by the receiver while FULL;
 * each side touches a slot's data only while it owns it.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";

export const BATCH = 4096;
const SLOTS = 4;
const EMPTY = 0;
const FULL = 1;
const DONE = 2;
const HEADER_BYTES = SLOTS * 2 * Int32Array.BYTES_PER_ELEMENT;
const SPINS = 64;

export function createMailbox(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + SLOTS * BATCH * Float64Array.BYTES_PER_ELEMENT);
}

/** Waits (spin, then sleep) until slot `slot` no longer holds `state`; returns what it holds. */
function awaitChange(words: Int32Array, slot: number, state: number): number {
  for (let i = 0; ; i++) {
    // Pairs with the other side's store of the slot state (see publish/release).
    const current = Atomics.load(words, slot);
    if (current !== state) return current;
    if (i < SPINS) spinWait(i);
    else waitSync(words, slot, state);
  }
}

export class MailboxSender {
  readonly #words: Int32Array;
  readonly #data: Float64Array;
  #slot = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, SLOTS * 2);
    this.#data = new Float64Array(buffer, HEADER_BYTES, SLOTS * BATCH);
  }

  /** The next slot to fill (BATCH numbers); waits until the receiver has drained it. */
  claim(): Float64Array {
    // EMPTY is the only state the receiver leaves a slot in, so any other
    // value means "still the receiver's".
    while (awaitChange(this.#words, this.#slot, FULL) !== EMPTY) {}
    return this.#data.subarray(this.#slot * BATCH, (this.#slot + 1) * BATCH);
  }

  /** Publishes the first `length` numbers of the claimed slot. */
  publish(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > BATCH) {
      throw new RangeError(`length must be an integer in [0, ${BATCH}], got ${length}`);
    }
    this.#hand(FULL, length);
  }

  /** Tells the receiver nothing more comes (after the slots already published). */
  close(): void {
    this.claim();
    this.#hand(DONE, 0);
  }

  #hand(state: number, length: number): void {
    // Length is a plain field of the slot: the state store below publishes
    // it, with the data, to the receiver's load of the state.
    Atomics.store(this.#words, SLOTS + this.#slot, length);
    // Publishes the slot; pairs with the load in awaitChange on the receiver.
    Atomics.store(this.#words, this.#slot, state);
    notify(this.#words, this.#slot, 1);
    this.#slot = (this.#slot + 1) % SLOTS;
  }
}

export class MailboxReceiver {
  readonly #words: Int32Array;
  readonly #data: Float64Array;
  #slot = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, SLOTS * 2);
    this.#data = new Float64Array(buffer, HEADER_BYTES, SLOTS * BATCH);
  }

  /** The next published batch (a view into shared memory), or null once the sender closed. */
  next(): Float64Array | null {
    const state = awaitChange(this.#words, this.#slot, EMPTY);
    if (state === DONE) return null;
    if (state !== FULL) throw new RangeError(`corrupt mailbox: slot state ${state}`);
    const length = Atomics.load(this.#words, SLOTS + this.#slot);
    if (length < 0 || length > BATCH) throw new RangeError(`corrupt mailbox: length ${length}`);
    const base = this.#slot * BATCH;
    return this.#data.subarray(base, base + length);
  }

  /** Hands the batch returned by `next()` back to the sender. */
  release(): void {
    // Pairs with the sender's load in claim(): after it, the data is no
    // longer read here and may be overwritten.
    Atomics.store(this.#words, this.#slot, EMPTY);
    notify(this.#words, this.#slot, 1);
    this.#slot = (this.#slot + 1) % SLOTS;
  }
}
