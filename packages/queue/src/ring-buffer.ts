/**
 * RingBuffer: a typed single-producer / single-consumer ring in shared
 * memory, for the hot paths of pipelines. One thread pushes, one thread pops
 * (any two threads, but never two producers or two consumers at once).
 *
 * Algorithm: the classic Lamport SPSC ring with free-running counters, as in
 * ringbuf.js and Rigtorp's SPSCQueue. The producer owns `writeIndex` and
 * `writeSlot`, the consumer owns `readIndex` and `readSlot`; each side reads
 * the other's index only when its cached copy says the ring is full / empty.
 * No lock, no CAS: `push` and `pop` are wait-free (a bounded number of steps).
 *
 * Shared layout (int32 words; each group on its own 64-byte cache line):
 *
 * | word | field            | legal values                                | written by              |
 * |------|------------------|---------------------------------------------|-------------------------|
 * | 0    | tag              | the kind's type tag                         | creator, once           |
 * | 1    | elementType      | 1..11 (Int8Array … BigUint64Array)          | creator, once           |
 * | 2    | capacity         | 1..2^30 elements                            | creator, once           |
 * | 3    | closed           | 0 open, 1 closed                            | close()                 |
 * | 16   | writeIndex       | any int32: values pushed so far, mod 2^32   | producer                |
 * | 17   | writeSlot        | [0, capacity): where the next push writes   | producer                |
 * | 32   | readIndex        | any int32: values popped so far, mod 2^32   | consumer                |
 * | 33   | readSlot         | [0, capacity): where the next pop reads     | consumer                |
 * | 48   | producerWaiting  | 0, 1: the producer sleeps waiting for room  | producer sets, consumer/close clear |
 * | 49   | consumerWaiting  | 0, 1: the consumer sleeps waiting for data  | consumer sets, producer/close clear |
 * | 64.. | data (from byte 256) | capacity elements                       | producer                |
 *
 * Counters are free-running int32s: the number of values in the ring is
 * `(writeIndex - readIndex) | 0`, correct across the 2^32 wrap (tested with
 * counters started near 2^31). Slots are kept separately because a capacity
 * that is not a power of two does not divide 2^32.
 *
 * Invariants: 0 <= writeIndex - readIndex <= capacity; the slots
 * [readSlot, readSlot + count) (mod capacity) hold values the consumer has not
 * read, the rest belongs to the producer. The producer writes data, then
 * publishes it with the store of `writeIndex`; the consumer reads data only
 * below the `writeIndex` it loaded (and symmetrically for `readIndex`).
 *
 * Sleeping: a side that found no room/data spins briefly, then sets its
 * waiting flag, re-checks the other index, and sleeps on its flag expecting
 * 1. The other side, after publishing, loads the flag (one load on a cache
 * line nobody writes on the fast path) and, only if it is set, swaps it to 0
 * and wakes the sleeper. close() clears both flags and wakes both. Every
 * step is sequentially consistent, so either the re-check sees the new index
 * or the publisher sees the flag: no lost wake-up, and no notify per value.
 *
 * Shared memory is untrusted: the other side's index and our own slot are
 * checked (count in [0, capacity], slot in [0, capacity)) before any index
 * is used; a bad value is an InvalidHandleError.
 */
import { notify, waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { SPIN_BACKOFF_CAP, spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  ClosedError,
  type Handle,
  InvalidHandleError,
  type Shareable,
  type WaitOptions,
} from "@sabkit/core";
import {
  allocate,
  Deadline,
  defineKind,
  defineLayout,
  registerKind,
  TYPED_ARRAY_TYPES,
  validateCount,
} from "@sabkit/core/internal";

export const RING_HEADER = defineLayout({
  tag: "int32",
  elementType: "int32",
  capacity: "int32",
  closed: "int32",
  /** writeIndex, writeSlot: the producer's line. */
  producer: { type: "int32", length: 2, cacheLine: true },
  /** readIndex, readSlot: the consumer's line. */
  consumer: { type: "int32", length: 2, cacheLine: true },
  /** producerWaiting, consumerWaiting: written only around sleeps. */
  waiting: { type: "int32", length: 2, cacheLine: true },
  /** The data starts here (byte 256), 8-aligned for Float64/BigInt64 elements. */
  data: { type: "bytes", byteLength: 0, align: 8 },
});
const R = RING_HEADER.fields;
export const ELEMENT_TYPE = R.elementType.index;
export const RING_CAPACITY = R.capacity.index;
export const RING_CLOSED = R.closed.index;
export const WRITE_INDEX = R.producer.index;
export const WRITE_SLOT = R.producer.index + 1;
export const READ_INDEX = R.consumer.index;
export const READ_SLOT = R.consumer.index + 1;
export const PRODUCER_WAITING = R.waiting.index;
export const CONSUMER_WAITING = R.waiting.index + 1;
/** Byte offset of the data from the region start (256: four cache lines of header). */
export const RING_DATA_OFFSET = R.data.byteOffset;
/** Largest capacity in elements. */
export const MAX_RING_CAPACITY = 2 ** 30;

const SPINS = 100;
/**
 * The one-value waits (pushValue / popValue) that find the other side
 * mid-stream wait for this many slots / values (at most a quarter of the
 * capacity) before going on, so a streaming pair takes its slow path once
 * per batch instead of once per value (see #waitSlow).
 */
const STREAM_BATCH = 256;
/** Looks at a ring that is still growing before a one-value wait takes what is there. */
const STREAM_LOOKS = 4;
/** spinWait(SPIN_BACKOFF_CAP) calls (~0.3 µs each here) before a second look at a ring that holds some. */
const LOOK_GAP = 1;
/** spinWait(SPIN_BACKOFF_CAP) calls (~2.5 µs in all) between looks at a ring that is still growing. */
const STREAM_GAP = 8;

/** The element types a RingBuffer holds. */
export type RingElementArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A constructor of one of the {@link RingElementArray} types. */
export interface RingElementType<A extends RingElementArray> {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): A;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** Element types by the code kept in the header (core's stable typed-array codes). */
const ELEMENT_TYPES = TYPED_ARRAY_TYPES;

/** The value type of an element array. */
export type ElementOf<A extends RingElementArray> = A extends BigInt64Array | BigUint64Array
  ? bigint
  : number;

export interface RingBufferHandle extends Handle<"ring-buffer"> {
  /** The element type's name, e.g. `"Float64Array"`. */
  readonly elementType: string;
  /** Capacity in elements. */
  readonly capacity: number;
}

const KIND = defineKind<RingBufferHandle>({
  kind: "ring-buffer",
  version: 1,
  package: "@sabkit/queue",
  layout: RING_HEADER,
});

function corrupted(detail: string): InvalidHandleError {
  return new InvalidHandleError(
    `RingBuffer: its shared header is corrupted (${detail}): the memory was overwritten, or two threads ` +
      "pushed (or popped) at once — a RingBuffer has exactly one producer and one consumer; create a new one",
  );
}

function ringByteLength(bytesPerElement: number, capacity: number): number {
  return Math.ceil((RING_DATA_OFFSET + capacity * bytesPerElement) / 8) * 8;
}

/**
 * A typed single-producer / single-consumer ring buffer in shared memory.
 *
 * @example
 * ```ts
 * const ring = new RingBuffer(Float64Array, 4096);
 * worker.postMessage(ring.handle);               // worker: RingBuffer.from(handle)
 * ring.pushAll(new Float64Array([1, 2, 3]));      // producer: waits for room
 * const into = new Float64Array(1024);
 * const n = ring.popSome(into, { timeout: 100 }); // consumer: 1..1024 values
 * ```
 */
export class RingBuffer<A extends RingElementArray = Float64Array>
  implements Shareable<RingBufferHandle>
{
  static {
    registerKind(KIND.kind, { from: (handle) => RingBuffer.from(handle) });
  }
  readonly handle: RingBufferHandle;
  /** Capacity in elements. */
  readonly capacity: number;
  /** The element type, e.g. `Float64Array`. */
  readonly elementType: RingElementType<A>;
  readonly #i32: Int32Array;
  readonly #data: A;
  /** The producer's last look at readIndex (a lower bound: the consumer only moves it forward). */
  #cachedRead: number;
  /** The consumer's last look at writeIndex (a lower bound). */
  #cachedWrite: number;

  /**
   * A new ring of `capacity` elements of `elementType` (1 to 2^30).
   *
   * @throws TypeError for an unsupported type; RangeError for a bad capacity.
   */
  constructor(elementType: RingElementType<A>, capacity: number, handle?: RingBufferHandle) {
    if (handle === undefined) {
      const code = (ELEMENT_TYPES as readonly unknown[]).indexOf(elementType);
      if (code < 1) {
        throw new TypeError(
          "RingBuffer: elementType must be a typed-array constructor such as Float64Array, Int32Array or Uint8Array",
        );
      }
      validateCount(capacity, "capacity", { min: 1, max: MAX_RING_CAPACITY });
      const byteLength = ringByteLength(elementType.BYTES_PER_ELEMENT, capacity);
      if (byteLength > 2 ** 31 - 1) {
        throw new RangeError(
          `RingBuffer: ${capacity} ${elementType.name} elements need ${byteLength} bytes, more than 2^31 - 1; use a smaller capacity`,
        );
      }
      const buffer = allocate(byteLength);
      const i32 = new Int32Array(buffer, 0, RING_DATA_OFFSET / 4);
      i32[ELEMENT_TYPE] = code;
      i32[RING_CAPACITY] = capacity;
      KIND.writeTag(i32); // before the handle exists, so before anyone sees it
      handle = KIND.makeHandle(
        { buffer, byteOffset: 0, byteLength },
        { elementType: elementType.name, capacity },
      );
    }
    const what = "RingBuffer.from(handle)";
    const code = i32CodeOf(handle.elementType);
    const Type = ELEMENT_TYPES[code] as unknown as RingElementType<A> | undefined;
    if (Type === undefined) {
      throw new InvalidHandleError(
        `${what}: handle.elementType ${String(handle.elementType)} is not a supported typed array`,
      );
    }
    const cap = handle.capacity;
    if (
      typeof cap !== "number" ||
      !Number.isInteger(cap) ||
      cap < 1 ||
      cap > MAX_RING_CAPACITY ||
      handle.byteLength !== ringByteLength(Type.BYTES_PER_ELEMENT, cap)
    ) {
      throw new InvalidHandleError(
        `${what}: handle.capacity (${String(cap)}) and handle.byteLength (${String(handle.byteLength)}) do not match: ` +
          "the handle was altered or belongs to another layout",
      );
    }
    // Region (8-aligned, at least the header) and type tag, in one call.
    const i32 = KIND.attachHandle(handle, what);
    if (i32[ELEMENT_TYPE] !== code || i32[RING_CAPACITY] !== cap) {
      throw new InvalidHandleError(
        `${what}: the handle says ${Type.name} × ${cap}, but the shared header says type ${i32[ELEMENT_TYPE]} × ${i32[RING_CAPACITY]}`,
      );
    }
    this.handle = handle;
    this.capacity = cap;
    this.elementType = Type;
    this.#i32 = i32;
    this.#data = new Type(handle.buffer, handle.byteOffset + RING_DATA_OFFSET, cap);
    // Starting points of the caches: fresh loads (pair with the other side's stores).
    this.#cachedRead = Atomics.load(i32, READ_INDEX);
    this.#cachedWrite = Atomics.load(i32, WRITE_INDEX);
  }

  /** Revives a ring from its handle. @throws InvalidHandleError */
  static from<A extends RingElementArray = Float64Array>(handle: unknown): RingBuffer<A> {
    const valid = KIND.validate(handle, "RingBuffer.from(handle)");
    return new RingBuffer<A>(undefined as never, 0, valid);
  }

  // ------------------------------------------------------------ producer

  /**
   * Copies as many leading `values` as fit, without waiting; returns how many
   * (0 when full). Producer only.
   *
   * @throws ClosedError after close().
   */
  push(values: ArrayLike<ElementOf<A>>): number {
    const i32 = this.#i32;
    const capacity = this.capacity;
    const source = this.#asArray(values);
    // Sees close() (its store of RING_CLOSED); a word of the read-only header line, so an L1 hit.
    if (Atomics.load(i32, RING_CLOSED) !== 0) throw this.#closedError("push");
    const w = i32[WRITE_INDEX] as number; // our own word: a plain read
    let used = (w - this.#cachedRead) | 0;
    if (capacity - used < source.length || used < 0 || used > capacity) {
      // Receives the consumer's published progress (its store of READ_INDEX).
      this.#cachedRead = Atomics.load(i32, READ_INDEX);
      used = (w - this.#cachedRead) | 0;
      if (used < 0 || used > capacity) throw corrupted(`writeIndex - readIndex is ${used}`);
    }
    const n = Math.min(source.length, capacity - used);
    if (n === 0) return 0;
    const slot = i32[WRITE_SLOT] as number;
    if (!(slot >= 0 && slot < capacity)) throw corrupted(`writeSlot is ${slot}`);
    const first = Math.min(n, capacity - slot);
    const data = this.#data;
    if (n === 1) (data as Float64Array)[slot] = source[0] as number;
    else if (first === source.length)
      data.set(source as never, slot); // all of it, no wrap
    else {
      data.set(source.subarray(0, first) as never, slot);
      if (first < n) data.set(source.subarray(first, n) as never, 0);
    }
    const next = slot + n;
    i32[WRITE_SLOT] = next >= capacity ? next - capacity : next;
    // Publishes the n new values; pairs with the consumer's load of WRITE_INDEX.
    Atomics.store(i32, WRITE_INDEX, (w + n) | 0);
    // Wake the consumer only if it said it sleeps.
    if (Atomics.load(i32, CONSUMER_WAITING) !== 0) this.#wake(CONSUMER_WAITING);
    return n;
  }

  /** Pushes one value without waiting; `false` when full. Producer only. */
  tryPushValue(value: ElementOf<A>): boolean {
    const i32 = this.#i32;
    const capacity = this.capacity;
    // Sees close(), as in push.
    if (Atomics.load(i32, RING_CLOSED) !== 0) throw this.#closedError("tryPushValue");
    const w = i32[WRITE_INDEX] as number;
    let used = (w - this.#cachedRead) | 0;
    if (used >= capacity || used < 0) {
      // Receives the consumer's published progress.
      this.#cachedRead = Atomics.load(i32, READ_INDEX);
      used = (w - this.#cachedRead) | 0;
      if (used < 0 || used > capacity) throw corrupted(`writeIndex - readIndex is ${used}`);
      if (used === capacity) return false;
    }
    const slot = i32[WRITE_SLOT] as number;
    if (!(slot >= 0 && slot < capacity)) throw corrupted(`writeSlot is ${slot}`);
    (this.#data as Float64Array)[slot] = value as number;
    i32[WRITE_SLOT] = slot + 1 === capacity ? 0 : slot + 1;
    // Publishes the value; pairs with the consumer's load of WRITE_INDEX.
    Atomics.store(i32, WRITE_INDEX, (w + 1) | 0);
    if (Atomics.load(i32, CONSUMER_WAITING) !== 0) this.#wake(CONSUMER_WAITING);
    return true;
  }

  /**
   * Pushes one value, waiting for room (`timeout` ms at most). Producer only.
   *
   * When the ring is full and the consumer is draining it, waits until it has
   * freed a batch of slots (up to 256; about 10 µs more at most) rather than
   * one: a producer that streams values one by one then pays the slow path
   * once per batch, not once per value. (`pushValueAsync` waits plainly.)
   *
   * @throws ClosedError after close(); TimeoutError.
   */
  pushValue(value: ElementOf<A>, options?: WaitOptions): void {
    const given = parseOptions(options, "pushValue");
    if (this.tryPushValue(value)) return;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.pushValue options");
    do this.#waitSlow(PRODUCER_WAITING, deadline, "pushValue", 0, STREAM_BATCH);
    while (!this.tryPushValue(value));
  }

  /** `pushValue` that never blocks the thread (`signal` aborts it). */
  async pushValueAsync(value: ElementOf<A>, options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "RingBuffer.pushValueAsync options");
    while (!this.tryPushValue(value)) {
      await this.#waitAsync(PRODUCER_WAITING, deadline, "pushValueAsync", 0);
    }
  }

  /**
   * Pushes every value, waiting for room as needed (`timeout` ms at most for
   * the whole call). On a timeout or abort the values before the failing one
   * have been pushed: the error's message says how many. Producer only.
   *
   * @throws ClosedError after close(); TimeoutError.
   */
  pushAll(values: ArrayLike<ElementOf<A>>, options?: WaitOptions): void {
    const source = this.#asArray(values);
    const given = parseOptions(options, "pushAll");
    let done = this.push(source as never);
    if (done === source.length) return;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.pushAll options");
    while (done < source.length) {
      this.#waitSlow(PRODUCER_WAITING, deadline, "pushAll", done, 1);
      done += this.push(source.subarray(done) as never);
    }
  }

  /** `pushAll` that never blocks the thread (`signal` aborts it). */
  async pushAllAsync(values: ArrayLike<ElementOf<A>>, options?: WaitOptions): Promise<void> {
    const source = this.#asArray(values);
    const deadline = Deadline.from(options, "RingBuffer.pushAllAsync options");
    let done = this.push(source as never);
    while (done < source.length) {
      await this.#waitAsync(PRODUCER_WAITING, deadline, "pushAllAsync", done);
      done += this.push(source.subarray(done) as never);
    }
  }

  // ------------------------------------------------------------ consumer

  /**
   * Copies up to `into.length` values into `into` without waiting; returns
   * how many (0 when empty). Consumer only.
   *
   * @throws ClosedError when closed and empty.
   */
  pop(into: A): number {
    const i32 = this.#i32;
    const capacity = this.capacity;
    const r = i32[READ_INDEX] as number; // our own word: a plain read
    let available = (this.#cachedWrite - r) | 0;
    if (available < into.length || available < 0 || available > capacity) {
      // Receives the producer's published values (its store of WRITE_INDEX).
      this.#cachedWrite = Atomics.load(i32, WRITE_INDEX);
      available = (this.#cachedWrite - r) | 0;
      if (available < 0 || available > capacity)
        throw corrupted(`writeIndex - readIndex is ${available}`);
      if (available === 0) {
        if (Atomics.load(i32, RING_CLOSED) !== 0) {
          // A push may have landed between the two loads: look once more before reporting closed.
          this.#cachedWrite = Atomics.load(i32, WRITE_INDEX);
          if (this.#cachedWrite === r) throw this.#closedError("pop");
          return this.pop(into);
        }
        return 0;
      }
    }
    const n = Math.min(into.length, available);
    const slot = i32[READ_SLOT] as number;
    if (!(slot >= 0 && slot < capacity)) throw corrupted(`readSlot is ${slot}`);
    const first = Math.min(n, capacity - slot);
    const data = this.#data;
    if (n === 1) (into as Float64Array)[0] = (data as Float64Array)[slot] as number;
    else {
      into.set(data.subarray(slot, slot + first) as never, 0);
      if (first < n) into.set(data.subarray(0, n - first) as never, first);
    }
    const next = slot + n;
    i32[READ_SLOT] = next >= capacity ? next - capacity : next;
    // Hands the n slots back to the producer; pairs with its load of READ_INDEX.
    Atomics.store(i32, READ_INDEX, (r + n) | 0);
    if (Atomics.load(i32, PRODUCER_WAITING) !== 0) this.#wake(PRODUCER_WAITING);
    return n;
  }

  /** Pops one value without waiting; `undefined` when empty. Consumer only. @throws ClosedError when closed and empty. */
  tryPopValue(): ElementOf<A> | undefined {
    const i32 = this.#i32;
    const capacity = this.capacity;
    const r = i32[READ_INDEX] as number;
    let available = (this.#cachedWrite - r) | 0;
    if (available <= 0 || available > capacity) {
      // Receives the producer's published values.
      this.#cachedWrite = Atomics.load(i32, WRITE_INDEX);
      available = (this.#cachedWrite - r) | 0;
      if (available < 0 || available > capacity)
        throw corrupted(`writeIndex - readIndex is ${available}`);
      if (available === 0) {
        if (Atomics.load(i32, RING_CLOSED) !== 0 && Atomics.load(i32, WRITE_INDEX) === r) {
          throw this.#closedError("tryPopValue");
        }
        return undefined;
      }
    }
    const slot = i32[READ_SLOT] as number;
    if (!(slot >= 0 && slot < capacity)) throw corrupted(`readSlot is ${slot}`);
    const value = this.#data[slot] as ElementOf<A>;
    i32[READ_SLOT] = slot + 1 === capacity ? 0 : slot + 1;
    // Hands the slot back; pairs with the producer's load of READ_INDEX.
    Atomics.store(i32, READ_INDEX, (r + 1) | 0);
    if (Atomics.load(i32, PRODUCER_WAITING) !== 0) this.#wake(PRODUCER_WAITING);
    return value;
  }

  /**
   * Pops one value, waiting for one (`timeout` ms at most). Consumer only.
   *
   * When the ring is empty and the producer is pushing into it, waits until
   * a batch is there (up to 256 values; about 10 µs more at most) rather than
   * one: a consumer that takes values one by one then pays the slow path once
   * per batch, not once per value. A lone value is taken as soon as the ring
   * stops growing (about 0.3 µs later). (`popValueAsync` waits plainly.)
   *
   * @throws ClosedError when closed and drained; TimeoutError.
   */
  popValue(options?: WaitOptions): ElementOf<A> {
    const given = parseOptions(options, "popValue");
    let value = this.tryPopValue();
    if (value !== undefined) return value;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.popValue options");
    do {
      this.#waitSlow(CONSUMER_WAITING, deadline, "popValue", 0, STREAM_BATCH);
      value = this.tryPopValue();
    } while (value === undefined);
    return value;
  }

  /** `popValue` that never blocks the thread (`signal` aborts it). */
  async popValueAsync(options?: WaitOptions): Promise<ElementOf<A>> {
    const deadline = Deadline.from(options, "RingBuffer.popValueAsync options");
    for (;;) {
      const value = this.tryPopValue();
      if (value !== undefined) return value;
      await this.#waitAsync(CONSUMER_WAITING, deadline, "popValueAsync", 0);
    }
  }

  /**
   * Waits until at least one value is there (`timeout` ms at most), then
   * copies up to `into.length`; returns how many (>= 1). Consumer only.
   *
   * @throws ClosedError when closed and drained; TimeoutError.
   */
  popSome(into: A, options?: WaitOptions): number {
    const given = parseOptions(options, "popSome");
    const n = this.pop(into);
    if (n !== 0 || into.length === 0) return n;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.popSome options");
    for (;;) {
      this.#waitSlow(CONSUMER_WAITING, deadline, "popSome", 0, 1);
      const got = this.pop(into);
      if (got !== 0) return got;
    }
  }

  /** `popSome` that never blocks the thread (`signal` aborts it). */
  async popSomeAsync(into: A, options?: WaitOptions): Promise<number> {
    const deadline = Deadline.from(options, "RingBuffer.popSomeAsync options");
    for (;;) {
      const n = this.pop(into);
      if (n !== 0 || into.length === 0) return n;
      await this.#waitAsync(CONSUMER_WAITING, deadline, "popSomeAsync", 0);
    }
  }

  // ------------------------------------------------------------ state

  /** Values in the ring now (a snapshot). */
  get availableRead(): number {
    // Snapshots of both counters (each published by its owner's store).
    const count = (Atomics.load(this.#i32, WRITE_INDEX) - Atomics.load(this.#i32, READ_INDEX)) | 0;
    if (count < 0 || count > this.capacity) throw corrupted(`writeIndex - readIndex is ${count}`);
    return count;
  }

  /** Free slots now (a snapshot). */
  get availableWrite(): number {
    return this.capacity - this.availableRead;
  }

  /** `true` once close() was called. */
  get closed(): boolean {
    return Atomics.load(this.#i32, RING_CLOSED) !== 0;
  }

  /**
   * Ends the stream: later pushes throw ClosedError; the consumer pops what
   * is left, then gets ClosedError. Wakes both sides. Idempotent. Call it
   * from the producer: from another thread it races with a push in flight,
   * whose value may then be published after the consumer saw the ring
   * closed and drained (there is no CAS on the fast path to order them).
   */
  close(): void {
    const i32 = this.#i32;
    // Publishes "closed"; pairs with the loads of RING_CLOSED after each side's re-check.
    Atomics.store(i32, RING_CLOSED, 1);
    this.#wake(PRODUCER_WAITING);
    this.#wake(CONSUMER_WAITING);
  }

  // ------------------------------------------------------------ internals

  #asArray(values: ArrayLike<ElementOf<A>>): A {
    if (values instanceof this.elementType) return values as A;
    if (values === null || typeof values !== "object" || typeof values.length !== "number") {
      throw new TypeError(
        `RingBuffer: values must be a ${this.elementType.name} or an array of numbers`,
      );
    }
    return (this.elementType as unknown as { from(v: ArrayLike<unknown>): A }).from(values);
  }

  #closedError(what: string): ClosedError {
    return new ClosedError(
      `RingBuffer.${what}: the ring is closed${what.startsWith("pop") || what.startsWith("tryPop") ? " and drained" : ""}`,
    );
  }

  /** Clears a waiting flag and wakes its sleeper (only if the flag was set). */
  #wake(flag: number): void {
    // Takes the flag back to 0 exactly once; the sleeper's wait on the flag then returns "not-equal" or is woken.
    if (Atomics.exchange(this.#i32, flag, 0) !== 0) notify(this.#i32, flag);
  }

  /** True when the side waiting on `flag` can go on (room / data, or closed). */
  #ready(flag: number): boolean {
    return this.#takeable(flag) > 0;
  }

  /** Free slots (producer) or values (consumer) now; the capacity once closed. */
  #takeable(flag: number): number {
    const i32 = this.#i32;
    if (Atomics.load(i32, RING_CLOSED) !== 0) return this.capacity;
    // Loads of both counters, paired with their owners' stores.
    const count = (Atomics.load(i32, WRITE_INDEX) - Atomics.load(i32, READ_INDEX)) | 0;
    if (count < 0 || count > this.capacity) throw corrupted(`writeIndex - readIndex is ${count}`);
    return flag === PRODUCER_WAITING ? this.capacity - count : count;
  }

  #timeout(deadline: Deadline, what: string, done: number): Error {
    const error = deadline.timeoutError(`RingBuffer.${what}`);
    if (what.startsWith("pushAll"))
      error.message += ` (${done} values were pushed before the timeout)`;
    return error;
  }

  /**
   * Spins, then sleeps, until the side waiting on `flag` can go on.
   *
   * With `batch` > 1 (the one-value forms), a ring that the other side is
   * still filling (or draining) is given time to reach `batch` values (or
   * free slots). A consumer that went on at the first value would run one
   * value behind the producer, and every value would then move the
   * producer's index line between the cores twice; each look at that line
   * also stalls the producer's next store to it, so the looks are spaced
   * (~0.3 µs, then ~2.5 µs while the ring grows, at most STREAM_LOOKS of
   * those) and touch no shared line in between. A ring that has not grown
   * between two looks is taken as it is: a lone value waits ~0.3 µs more, a
   * slow trickle ~10 µs at most.
   */
  #waitSlow(flag: number, deadline: Deadline, what: string, done: number, batch: number): void {
    const i32 = this.#i32;
    const enough = Math.min(batch, Math.ceil(this.capacity / 4));
    let seen = 0;
    let looks = 0;
    for (let spin = 0; spin < SPINS; spin++) {
      const have = this.#takeable(flag);
      if (have >= enough || (have !== 0 && (have === seen || looks >= STREAM_LOOKS))) return;
      if (have === 0) spinWait(spin);
      else {
        if (seen !== 0) looks++;
        for (let k = seen === 0 ? LOOK_GAP : STREAM_GAP; k > 0; k--) spinWait(SPIN_BACKOFF_CAP);
      }
      seen = have;
    }
    for (;;) {
      deadline.throwIfAborted();
      if (deadline.expired) throw this.#timeout(deadline, what, done);
      // Announce the sleep, then re-check (see "Sleeping" above).
      Atomics.store(i32, flag, 1);
      if (this.#ready(flag)) {
        Atomics.store(i32, flag, 0);
        return;
      }
      waitSync(i32, flag, 1, deadline.remainingMs());
      Atomics.store(i32, flag, 0);
      if (this.#ready(flag)) return;
    }
  }

  async #waitAsync(flag: number, deadline: Deadline, what: string, done: number): Promise<void> {
    const i32 = this.#i32;
    deadline.throwIfAborted();
    if (this.#ready(flag)) return;
    if (deadline.expired) throw this.#timeout(deadline, what, done);
    Atomics.store(i32, flag, 1);
    try {
      if (this.#ready(flag)) return;
      await waitAsync(i32, flag, 1, deadline.remainingMs(), deadline.signal);
    } catch (error) {
      deadline.throwIfAborted();
      throw error;
    } finally {
      Atomics.store(i32, flag, 0);
    }
  }
}

/**
 * The deadline of a blocking call's options, parsed before anything else so
 * that bad options are an error even when no wait is needed; undefined when
 * none were given (the fast path then makes no Deadline at all).
 */
function parseOptions(options: WaitOptions | undefined, what: string): Deadline | undefined {
  return options === undefined ? undefined : Deadline.from(options, `RingBuffer.${what} options`);
}

function i32CodeOf(name: unknown): number {
  for (let code = 1; code < ELEMENT_TYPES.length; code++) {
    if (ELEMENT_TYPES[code]?.name === name) return code;
  }
  return -1;
}

/**
 * Test hook (internal): starts both counters of a fresh, unused ring at
 * `start` (e.g. near 2^31) so tests cross the int32 wrap. Revive the ring
 * from its handle afterwards.
 */
export function startRingIndicesAt(handle: RingBufferHandle, start: number): void {
  const i32 = new Int32Array(handle.buffer, handle.byteOffset, RING_DATA_OFFSET / 4);
  // Both stores happen before the handle is sent to the workers that use the ring.
  Atomics.store(i32, WRITE_INDEX, start | 0);
  Atomics.store(i32, READ_INDEX, start | 0);
}
