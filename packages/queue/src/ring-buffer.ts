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
 * Sleeping: a side that found no room/data spins briefly (blocking forms
 * only), then sets its waiting flag, re-checks the other index, and sleeps
 * on its flag expecting 1. The other side, after publishing, loads the flag
 * (one load on a cache line nobody writes on the fast path) and, only if it
 * is set, swaps it to 0 and wakes the sleeper. close() clears both flags and
 * wakes both. Every step is sequentially consistent, so either the re-check
 * sees the new index or the publisher sees the flag: no lost wake-up, and no
 * notify per value. That slow path is written once, as RingWait (a core
 * WaitLoop, in ring-wait.ts), and run blocking (driveSync) or async (driveAsync).
 *
 * Placement: a ring lives in its own buffer, or at `{ buffer, byteOffset }`
 * of the caller's (`RingBuffer.byteLength(type, capacity)` bytes, aligned to
 * `RingBuffer.alignment`).
 *
 * Shared memory is untrusted: the other side's index and our own slot are
 * checked (count in [0, capacity], slot in [0, capacity)) before any index
 * is used; a bad value is an InvalidHandleError.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import {
  ClosedError,
  type Handle,
  InvalidHandleError,
  type Placement,
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
  type Layout,
  placeRegion,
  registerKind,
  TYPED_ARRAY_TYPES,
  validateCount,
} from "@sabkit/core/internal";
import {
  PopSomeWait,
  PopValueWait,
  type PushAllTimeoutError,
  PushAllWait,
  PushValueWait,
} from "./ring-wait.js";

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

export function corrupted(detail: string): InvalidHandleError {
  return new InvalidHandleError(
    `RingBuffer: its shared header is corrupted (${detail}): the memory was overwritten, or two threads ` +
      "pushed (or popped) at once — a RingBuffer has exactly one producer and one consumer; create a new one",
  );
}

function ringByteLength(bytesPerElement: number, capacity: number): number {
  return Math.ceil((RING_DATA_OFFSET + capacity * bytesPerElement) / 8) * 8;
}

/** A ring's words (set by RingBuffer's static block), for its wait loops in ring-wait.ts only. */
export let ringWords: (ring: RingBuffer<RingElementArray>) => Int32Array;

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
    // Its wait loops (ring-wait.ts) read the ring's words; nothing outside the package can.
    ringWords = (ring) => ring.#i32;
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

  /** Alignment of the `byteOffset` a ring is placed at (a multiple of 64 keeps each side's words on its own cache line). */
  static readonly alignment: number = RING_HEADER.alignment;

  /**
   * Bytes a ring of `capacity` elements of `elementType` needs: the region to
   * reserve when placing it in a buffer of your own.
   *
   * @throws TypeError for an unsupported type; RangeError for a bad capacity.
   */
  static byteLength(elementType: RingElementType<RingElementArray>, capacity: number): number {
    if ((ELEMENT_TYPES as readonly unknown[]).indexOf(elementType) < 1) {
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
    return byteLength;
  }

  /**
   * A new ring of `capacity` elements of `elementType` (1 to 2^30), in its
   * own memory or, with `{ buffer, byteOffset }`, in `RingBuffer.byteLength(
   * elementType, capacity)` bytes of `buffer` from `byteOffset` (a multiple
   * of `RingBuffer.alignment`; the region is zeroed).
   *
   * @throws TypeError for an unsupported type; RangeError for a bad capacity;
   * InvalidHandleError for a region that is misaligned or does not fit.
   */
  constructor(elementType: RingElementType<A>, capacity: number, options?: Placement) {
    const handle =
      attachedHandle<RingBufferHandle>(options) ?? createRing(elementType, capacity, options);
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
    return new RingBuffer<A>(undefined as never, 0, attachOptions(valid) as Placement);
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
    driveSync(new PushValueWait(this, value, deadline, "pushValue", true));
  }

  /** `pushValue` that never blocks the thread (`signal` aborts it). */
  async pushValueAsync(value: ElementOf<A>, options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "RingBuffer.pushValueAsync options");
    if (this.tryPushValue(value)) return;
    const wait = new PushValueWait(this, value, deadline, "pushValueAsync", false);
    await driveAsync(wait, deadline.signal);
  }

  /**
   * Pushes every value, waiting for room as needed (`timeout` ms at most for
   * the whole call). On a timeout or abort the values before the failing one
   * have been pushed: a timeout's error says how many in its `written`
   * property (a {@link PushAllTimeoutError}) and its message. Producer only.
   *
   * @throws ClosedError after close(); PushAllTimeoutError (a TimeoutError).
   */
  pushAll(values: ArrayLike<ElementOf<A>>, options?: WaitOptions): void {
    const source = this.#asArray(values);
    const given = parseOptions(options, "pushAll");
    const done = this.push(source as never);
    if (done === source.length) return;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.pushAll options");
    driveSync(new PushAllWait(this, source, done, deadline, "pushAll", true));
  }

  /** `pushAll` that never blocks the thread (`signal` aborts it). */
  async pushAllAsync(values: ArrayLike<ElementOf<A>>, options?: WaitOptions): Promise<void> {
    const source = this.#asArray(values);
    const deadline = Deadline.from(options, "RingBuffer.pushAllAsync options");
    const done = this.push(source as never);
    if (done === source.length) return;
    const wait = new PushAllWait(this, source, done, deadline, "pushAllAsync", false);
    await driveAsync(wait, deadline.signal);
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
    const value = this.tryPopValue();
    if (value !== undefined) return value;
    const deadline = given ?? Deadline.from(undefined, "RingBuffer.popValue options");
    return driveSync(new PopValueWait(this, deadline, "popValue", true));
  }

  /** `popValue` that never blocks the thread (`signal` aborts it). */
  async popValueAsync(options?: WaitOptions): Promise<ElementOf<A>> {
    const deadline = Deadline.from(options, "RingBuffer.popValueAsync options");
    const value = this.tryPopValue();
    if (value !== undefined) return value;
    return driveAsync(new PopValueWait(this, deadline, "popValueAsync", false), deadline.signal);
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
    return driveSync(new PopSomeWait(this, into, deadline, "popSome", true));
  }

  /** `popSome` that never blocks the thread (`signal` aborts it). */
  async popSomeAsync(into: A, options?: WaitOptions): Promise<number> {
    const deadline = Deadline.from(options, "RingBuffer.popSomeAsync options");
    const n = this.pop(into);
    if (n !== 0 || into.length === 0) return n;
    return driveAsync(
      new PopSomeWait(this, into, deadline, "popSomeAsync", false),
      deadline.signal,
    );
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
}

/** Makes a new ring's memory (fresh or placed) and its handle. */
function createRing(
  elementType: RingElementType<RingElementArray>,
  capacity: number,
  placement: Placement | undefined,
): RingBufferHandle {
  const byteLength = RingBuffer.byteLength(elementType, capacity);
  // The header's fields with the data region this capacity needs.
  const layout: Layout = { ...RING_HEADER, byteLength };
  const region = placeRegion(layout, placement, "new RingBuffer(elementType, capacity, options)");
  const i32 = region.i32;
  i32[ELEMENT_TYPE] = (ELEMENT_TYPES as readonly unknown[]).indexOf(elementType);
  i32[RING_CAPACITY] = capacity;
  KIND.writeTag(i32); // before the handle exists, so before anyone sees it
  return KIND.makeHandle(region, { elementType: elementType.name, capacity });
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
