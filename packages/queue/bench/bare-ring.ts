/**
 * The ceiling row of the bulk benches ("bare two-thread ring, no library"):
 * queue's RingBuffer bulk group and pipe's byte-stream group (which imports
 * this file, so both measure the same code). A minimal spinning SPSC byte
 * ring: the producer `set`s a block into a SharedArrayBuffer ring and
 * publishes it with one Atomics.store; the consumer spins on Atomics.load,
 * `set`s the block out into its destination and hands the room back. No
 * library code, no options, no checks beyond what keeps the bench honest: it
 * shows what any two-thread ring can reach on this machine, since every byte
 * crosses from one core's cache to the other's.
 *
 * Shared layout (`control`, int32 words; each on its own 64-byte line):
 *
 * | word | field            | meaning                                               | written by |
 * |------|------------------|-------------------------------------------------------|------------|
 * | 0    | head             | bytes published so far (free-running int32)           | producer   |
 * | 16   | tail             | bytes consumed so far (free-running int32)            | consumer   |
 * | 32   | stop             | 1: the consumer returns                               | producer   |
 * | 33   | bad              | spot checks of the destination that failed            | consumer   |
 * | 48   | producerSleeping | 1 while the producer sleeps waiting for room          | producer   |
 * | 49   | consumerSleeping | 1 while the consumer sleeps waiting for data          | consumer   |
 *
 * The ring's capacity is a power of two and a multiple of the block, so a
 * block never wraps and `counter & (capacity - 1)` is its offset (correct
 * across the int32 wrap). Each side spins a bounded number of times, then
 * sets its sleeping flag, re-checks and sleeps (waitSync, 50 ms slices); the
 * other side notifies only when that flag is set, and once (it swaps the flag
 * back to 0), as RingBuffer does. All accesses are
 * sequentially consistent, so either the re-check sees the new counter or the
 * publisher sees the flag (no lost wake-up). No wait is unbounded: 10 s
 * without progress is an error.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import type { BenchCase } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";

/** The row's name in both benches. */
export const BARE_RING = "bare two-thread ring, no library (ceiling)";

const HEAD = 0;
const TAIL = 16;
const STOP = 32;
const BAD = 33;
const PRODUCER_SLEEPING = 48;
const CONSUMER_SLEEPING = 49;
const CONTROL_BYTES = 64 * 4;
const SPINS = 100; // as RingBuffer's
const SLICE_MS = 50;
const STALL_MS = 10_000;
/** Every SPOT-th byte of the stream is checked as it arrives. */
const SPOT = 4093;

/** Waits (spin, then sleep) until `i32[index]` differs from `seen`; returns the new value. */
function awaitChange(i32: Int32Array, index: number, seen: number, sleeping: number): number {
  for (let spin = 0; spin < SPINS; spin++) {
    // Receives the other side's store of the counter (its publish).
    const now = Atomics.load(i32, index);
    if (now !== seen) return now;
    spinWait(spin);
  }
  const started = performance.now();
  for (;;) {
    // Announce the sleep first; the other side loads this flag after its store.
    Atomics.store(i32, sleeping, 1);
    const now = Atomics.load(i32, index);
    if (now !== seen || Atomics.load(i32, STOP) !== 0) {
      Atomics.store(i32, sleeping, 0);
      return now;
    }
    waitSync(i32, index, seen, SLICE_MS);
    Atomics.store(i32, sleeping, 0);
    if (performance.now() - started > STALL_MS) {
      throw new Error(`bare ring: no progress for ${STALL_MS} ms (word ${index} stuck at ${seen})`);
    }
  }
}

/** The samples the consumer checks its destination against: source[k] for k = 0, SPOT, 2 SPOT, … */
export function spotSamples(source: Uint8Array): Uint8Array {
  const samples = new Uint8Array(Math.ceil(source.length / SPOT));
  for (let k = 0; k < samples.length; k++) samples[k] = source[k * SPOT] as number;
  return samples;
}

/** The main-thread side: pushes blocks; `drain` waits until the consumer has copied them all out. */
export class BareRingProducer {
  readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  readonly ring: SharedArrayBuffer;
  readonly #i32 = new Int32Array(this.control);
  readonly #data: Uint8Array;
  readonly #mask: number;
  #head = 0;
  #tail = 0;

  constructor(
    readonly capacity: number,
    readonly block: number,
  ) {
    if ((capacity & (capacity - 1)) !== 0 || capacity % block !== 0) {
      throw new RangeError(
        "bare ring: the capacity must be a power of two and a multiple of the block",
      );
    }
    this.ring = new SharedArrayBuffer(capacity);
    this.#data = new Uint8Array(this.ring);
    this.#mask = capacity - 1;
  }

  /** Copies one block (`block` bytes) into the ring, waiting for room. */
  push(source: Uint8Array, at: number): void {
    const i32 = this.#i32;
    const block = this.block;
    while (((this.#head - this.#tail) | 0) > this.capacity - block) {
      // Receives the consumer's store of TAIL (room handed back).
      this.#tail = Atomics.load(i32, TAIL);
      if (((this.#head - this.#tail) | 0) > this.capacity - block) {
        this.#tail = awaitChange(i32, TAIL, this.#tail, PRODUCER_SLEEPING);
      }
    }
    this.#data.set(source.subarray(at, at + block), this.#head & this.#mask);
    this.#head = (this.#head + block) | 0;
    // Publishes the block; pairs with the consumer's load of HEAD.
    Atomics.store(i32, HEAD, this.#head);
    // Wake only a consumer that said it sleeps, once (the exchange takes its flag back).
    if (
      Atomics.load(i32, CONSUMER_SLEEPING) !== 0 &&
      Atomics.exchange(i32, CONSUMER_SLEEPING, 0) !== 0
    ) {
      notify(i32, HEAD);
    }
  }

  /** Waits until the consumer has taken everything pushed; throws if its spot checks failed. */
  drain(): void {
    const i32 = this.#i32;
    // Receives the consumer's last store of TAIL.
    while ((this.#tail = Atomics.load(i32, TAIL)) !== this.#head) {
      awaitChange(i32, TAIL, this.#tail, PRODUCER_SLEEPING);
    }
    const bad = Atomics.load(i32, BAD);
    if (bad !== 0) throw new Error(`bare ring: ${bad} spot checks of the received bytes failed`);
  }

  /** Tells the consumer to return (and wakes it if it sleeps). */
  stop(): void {
    // Publishes the stop; the consumer loads STOP before and after announcing its sleep.
    Atomics.store(this.#i32, STOP, 1);
    if (Atomics.exchange(this.#i32, CONSUMER_SLEEPING, 0) !== 0) notify(this.#i32, HEAD);
  }
}

/**
 * The worker side (`startWorker(url, "bareRingConsumer", { args })`): pops
 * blocks into successive offsets of a `total`-byte destination; after each
 * block spot-checks it against `samples` (spotSamples of the source). Returns
 * the bytes received when stopped.
 */
export function bareRingConsumer(
  _ctx: unknown,
  control: SharedArrayBuffer,
  ring: SharedArrayBuffer,
  block: number,
  total: number,
  samples: Uint8Array,
): number {
  const i32 = new Int32Array(control);
  const data = new Uint8Array(ring);
  const mask = data.length - 1;
  const destination = new Uint8Array(total);
  let tail = 0;
  let head = 0;
  let at = 0;
  let received = 0;
  for (;;) {
    if (head === tail) {
      // Receives the producer's store of HEAD (its published blocks).
      head = Atomics.load(i32, HEAD);
      if (head === tail) {
        if (Atomics.load(i32, STOP) !== 0) return received;
        head = awaitChange(i32, HEAD, tail, CONSUMER_SLEEPING);
        continue;
      }
    }
    const offset = tail & mask;
    destination.set(data.subarray(offset, offset + block), at);
    // Spot-check the bytes just received (every SPOT-th byte of the stream).
    let bad = 0;
    for (let k = Math.ceil(at / SPOT), end = at + block; k * SPOT < end; k++) {
      if (destination[k * SPOT] !== samples[k]) bad++;
    }
    // Before the TAIL store below, so the producer's drain() sees it.
    if (bad !== 0) Atomics.add(i32, BAD, bad);
    at += block;
    received += block;
    if (at === total) at = 0;
    tail = (tail + block) | 0;
    // Hands the room back; pairs with the producer's load of TAIL.
    Atomics.store(i32, TAIL, tail);
    // Wake only a producer that said it sleeps, once.
    if (
      Atomics.load(i32, PRODUCER_SLEEPING) !== 0 &&
      Atomics.exchange(i32, PRODUCER_SLEEPING, 0) !== 0
    ) {
      notify(i32, TAIL);
    }
  }
}

/**
 * The ceiling row as a bench case: each timed call pushes all of `source`,
 * `chunk` bytes at a time, through a `ringBytes` ring to a consumer worker
 * (this module's bareRingConsumer), and waits until it has taken everything.
 * `ops` is what one call counts as (bytes, or values of the library case).
 */
export function bareRingCase(options: {
  readonly source: Uint8Array;
  readonly ringBytes: number;
  readonly chunk: number;
  readonly ops: number;
}): BenchCase {
  const { source, ringBytes, chunk, ops } = options;
  let bare: BareRingProducer | undefined;
  let worker: ScenarioWorker | undefined;
  return {
    name: BARE_RING,
    ops,
    setup: () => {
      bare = new BareRingProducer(ringBytes, chunk);
      worker = startWorker(new URL(import.meta.url), "bareRingConsumer", {
        args: [bare.control, bare.ring, chunk, source.length, spotSamples(source)],
      });
    },
    teardown: async () => {
      bare?.stop();
      await worker?.result;
      await worker?.terminate();
      bare = undefined;
      worker = undefined;
    },
    run: () => {
      const ring = bare!;
      for (let at = 0; at < source.length; at += chunk) ring.push(source, at);
      ring.drain();
    },
  };
}
