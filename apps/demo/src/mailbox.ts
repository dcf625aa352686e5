/**
 * A two-slot batch mailbox between one sender and one receiver, built
 * directly on the wait layer: the sender fills a slot with up to BATCH
 * numbers and flips its state to FULL; the receiver drains it and flips it
 * back to EMPTY. Two slots let both sides work at once; a wake-up is paid
 * per batch, not per number.
 *
 * | Int32 index | field        | values            | written by           |
 * | ----------- | ------------ | ----------------- | -------------------- |
 * | 0, 1        | slot state   | EMPTY, FULL, DONE | sender: ->FULL/DONE; receiver: ->EMPTY |
 * | 2, 3        | slot length  | 0..BATCH          | sender, before FULL  |
 * | Float64 from byte 16: slot 0 data [BATCH], slot 1 data [BATCH] (sender) |
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";

export const BATCH = 1024;
const EMPTY = 0;
const FULL = 1;
const DONE = 2;
const HEADER_BYTES = 16;

export function createMailbox(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + 2 * BATCH * Float64Array.BYTES_PER_ELEMENT);
}

export class MailboxSender {
  readonly #words: Int32Array;
  readonly #data: Float64Array;
  #slot = 0;
  #length = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, 4);
    this.#data = new Float64Array(buffer, HEADER_BYTES, 2 * BATCH);
    this.#claim();
  }

  send(value: number): void {
    this.#data[this.#slot * BATCH + this.#length++] = value;
    if (this.#length === BATCH) this.#publish(FULL);
  }

  /** Publishes what is buffered, then tells the receiver nothing more comes. */
  close(): void {
    if (this.#length > 0) this.#publish(FULL);
    this.#publish(DONE);
  }

  #publish(state: number): void {
    // Length is a plain field of the slot; the store of the state below
    // publishes it (and the data) to the receiver's load of the state.
    Atomics.store(this.#words, 2 + this.#slot, this.#length);
    // Publishes the slot; pairs with the load in MailboxReceiver.#take.
    Atomics.store(this.#words, this.#slot, state);
    notify(this.#words, this.#slot, 1);
    this.#slot ^= 1;
    this.#length = 0;
    this.#claim();
  }

  /** Waits until the receiver has drained the next slot. */
  #claim(): void {
    // Pairs with the receiver's store of EMPTY: after it, the slot's data
    // is no longer read and may be overwritten.
    while (Atomics.load(this.#words, this.#slot) !== EMPTY) {
      waitSync(this.#words, this.#slot, Atomics.load(this.#words, this.#slot));
    }
  }
}

export class MailboxReceiver {
  readonly #words: Int32Array;
  readonly #data: Float64Array;
  #slot = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, 4);
    this.#data = new Float64Array(buffer, HEADER_BYTES, 2 * BATCH);
  }

  /** Calls `each` for every number until the sender closes. */
  drain(each: (value: number) => void): void {
    for (;;) {
      const state = this.#take();
      if (state === DONE) return;
      const length = Atomics.load(this.#words, 2 + this.#slot);
      if (length < 0 || length > BATCH) throw new RangeError(`corrupt mailbox length ${length}`);
      const base = this.#slot * BATCH;
      for (let i = 0; i < length; i++) each(this.#data[base + i]!);
      // Hands the slot back; pairs with the load in MailboxSender.#claim.
      Atomics.store(this.#words, this.#slot, EMPTY);
      notify(this.#words, this.#slot, 1);
      this.#slot ^= 1;
    }
  }

  #take(): number {
    for (;;) {
      // Pairs with the sender's store of FULL/DONE: the data and length
      // written before it are visible after this load sees it.
      const state = Atomics.load(this.#words, this.#slot);
      if (state !== EMPTY) return state;
      waitSync(this.#words, this.#slot, EMPTY);
    }
  }
}
