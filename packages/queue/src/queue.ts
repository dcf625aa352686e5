/**
 * Queue: a bounded multi-producer / multi-consumer queue of variable-size
 * messages in one SharedArrayBuffer (Python's `multiprocessing.Queue`).
 *
 * Algorithm: a byte ring of length-prefixed records guarded by a short lock
 * (queue-lock.ts). Values are encoded *outside* the lock into a local staging
 * buffer that already has the ring's record format; the critical section is
 * one or two memcpys plus three header stores. Consumers copy whole records
 * out under the lock and decode after releasing it. `putMany` / `getMany`
 * move a whole batch in one lock hold. Waiters spin briefly on the header,
 * then register in a waiter count and sleep on a sequence word; a put or get
 * notifies only when that count is non-zero.
 *
 * Shared layout (int32 words; the header is one cache line, data from byte 64):
 *
 * | word | field         | legal values                   | written by                                 |
 * |------|---------------|--------------------------------|--------------------------------------------|
 * | 0    | tag           | the kind's type tag            | creator, once                              |
 * | 1    | lock          | 0 / 1 / 2 (queue-lock.ts)      | any thread (CAS, exchange, sub)            |
 * | 2    | closed        | 0 open, 1 closed               | close(), under the lock                    |
 * | 3    | capacity      | data bytes, multiple of 4      | creator, once                              |
 * | 4    | maxSize       | 0 = unbounded, else max items  | creator, once                              |
 * | 5    | head          | [0, capacity), multiple of 4   | getters, under the lock                    |
 * | 6    | usedBytes     | [0, capacity], multiple of 4   | putters and getters, under the lock        |
 * | 7    | count         | [0, usedBytes / 4]             | putters and getters, under the lock        |
 * | 8    | unfinished    | >= 0: puts minus taskDone()s   | put (add, under the lock), taskDone (CAS)  |
 * | 9    | dataSeq       | any; +1 per put batch, close   | putters, close()                           |
 * | 10   | spaceSeq      | any; +1 per get batch, close   | getters, close()                           |
 * | 11   | dataWaiters   | >= 0: consumers about to sleep | consumers (add/sub)                        |
 * | 12   | spaceWaiters  | >= 0: producers about to sleep | producers (add/sub)                        |
 * | 13   | joinWaiters   | >= 0: join() callers asleep    | join (add/sub)                             |
 * | 14   | lockOwner     | 0, or the lock holder's thread | the lock's holder (queue-lock.ts)          |
 * |      |               | identity (core)                |                                            |
 * | 16.. | data          | the byte ring                  | putters (records), under the lock          |
 *
 * A record is a 4-byte length `n` (int32, at a 4-aligned ring position)
 * followed by `n` payload bytes and padding to a multiple of 4. The tail is
 * `(head + usedBytes) mod capacity`. Records are split across the end of the
 * ring when they reach it (never padded): the length word never splits, since
 * positions and the capacity are multiples of 4.
 *
 * Transitions (all under the lock): put of k records at the tail: usedBytes +=
 * their bytes, count += k, unfinished += k, then (after unlocking) dataSeq += 1.
 * get of k records at the head: head advances, usedBytes -= bytes, count -= k,
 * then spaceSeq += 1. close: closed = 1, then dataSeq += 1 and spaceSeq += 1
 * and every sleeper is woken.
 *
 * Invariants: a record is wholly inside [head, head + usedBytes) or wholly
 * outside it (no torn message: the header moves only after the copy, under the
 * lock); records leave in the order they entered, so one producer's items
 * reach consumers in its order; `closed` never goes back to 0.
 *
 * No lost wake-up: a waiter reads the sequence word, then increments its
 * waiter count, then re-checks the state under the lock, then sleeps on the
 * sequence word expecting the value it read. A notifier changes the state,
 * then increments the sequence word, then reads the waiter count. All are
 * sequentially consistent, so either the waiter's re-check sees the change,
 * or the notifier sees the waiter (and the sequence word has moved, so the
 * waiter's sleep returns at once or is woken).
 *
 * Fairness: no FIFO order among waiters (the lock barges, a spinning thread
 * may take an item before a woken sleeper). Every blocked call re-checks on
 * each change and is bounded by its deadline; with steady traffic every
 * waiter makes progress in practice, but it is not a strict FIFO.
 *
 * Shared memory is untrusted: the header is read once per lock hold, every
 * field is range-checked before it is used as an index, record lengths are
 * checked against the bytes in use, and every loop is bounded. A violated
 * check is an InvalidHandleError (the queue is unusable), never a hang or an
 * out-of-bounds read.
 */
import { notify, waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  ClosedError,
  type Codec,
  EmptyError,
  FullError,
  type Handle,
  InvalidHandleError,
  OwnerDiedError,
  type Shareable,
  structuredCodec,
  type WaitOptions,
} from "@sabkit/core";
import {
  allocate,
  attach,
  checkCodec,
  Deadline,
  defineKind,
  defineLayout,
  type HandleKind,
  MAX_COUNT,
  registerKind,
  resolveCodec,
  validateCount,
} from "@sabkit/core/internal";
import { lockQueue, unlockQueue } from "./queue-lock.js";

/** The header words (see the table above). */
export const QUEUE_HEADER = defineLayout({
  tag: "int32",
  lock: "int32",
  closed: "int32",
  capacity: "int32",
  maxSize: "int32",
  head: "int32",
  usedBytes: "int32",
  count: "int32",
  unfinished: "int32",
  dataSeq: "int32",
  spaceSeq: "int32",
  dataWaiters: "int32",
  spaceWaiters: "int32",
  joinWaiters: "int32",
  lockOwner: "int32",
});
const F = QUEUE_HEADER.fields;
export const LOCK = F.lock.index;
export const CLOSED = F.closed.index;
export const CAPACITY = F.capacity.index;
export const MAX_SIZE = F.maxSize.index;
export const HEAD = F.head.index;
export const USED_BYTES = F.usedBytes.index;
export const COUNT = F.count.index;
export const UNFINISHED = F.unfinished.index;
export const DATA_SEQ = F.dataSeq.index;
export const SPACE_SEQ = F.spaceSeq.index;
export const DATA_WAITERS = F.dataWaiters.index;
export const SPACE_WAITERS = F.spaceWaiters.index;
export const JOIN_WAITERS = F.joinWaiters.index;
export const LOCK_OWNER = F.lockOwner.index;
/** Byte offset of the ring from the region start. */
export const DATA_OFFSET = 64;
/** Bytes of a record's length prefix. */
export const RECORD_HEADER_BYTES = 4;
/** Largest ring: 1 GiB. */
export const MAX_CAPACITY = 2 ** 30;
/** Default ring size of a Queue (1 MiB). */
export const DEFAULT_CAPACITY = 2 ** 20;

/** Spin iterations (bounded backoff) before a waiter sleeps. */
const SPINS = 100;

/** The handle of a queue: plain, structured-cloneable. */
export interface QueueHandle<K extends string = "queue" | "joinable-queue" | "simple-queue">
  extends Handle<K> {
  /** Ring bytes. */
  readonly capacity: number;
  /** Item bound, 0 = unbounded. */
  readonly maxSize: number;
  /** The codec's name (built-in codecs are found by name in every thread). */
  readonly codec: string;
}

/** Options of `new Queue(...)`. */
export interface QueueOptions<T> {
  /**
   * Bytes of the ring (default 1 MiB; SimpleQueue 16 MiB): an integer from 8
   * to 2^30, rounded up to a multiple of 4. Each message takes 4 + its encoded
   * length rounded up to 4 bytes; a message larger than the ring is a
   * RangeError at `put`.
   */
  capacity?: number;
  /** Most items at once, as Python's `maxsize`: `<= 0` or undefined = unbounded (only bytes bound it). */
  maxSize?: number;
  /** How values become bytes (default `structuredCodec`). */
  codec?: Codec<T>;
}

/** Options of `Queue.from(handle, ...)`. */
export interface QueueFromOptions<T> {
  /** The codec, when the creator used one that is not built in (must have the same name). */
  codec?: Codec<T>;
}

/** What `tryGet` returns. */
export type TryGetResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

function corrupted(detail: string): InvalidHandleError {
  return new InvalidHandleError(
    `Queue: its shared header is corrupted (${detail}): the queue's memory was overwritten by a bug ` +
      "or by another thread writing into this buffer; it cannot be used any more — create a new queue",
  );
}

/** Range checks of the header words read under the lock (InvalidHandleError when violated). */
function checkHeader(head: number, used: number, count: number, capacity: number): void {
  if (!(head >= 0 && head < capacity && (head & 3) === 0)) throw corrupted(`head is ${head}`);
  if (!(used >= 0 && used <= capacity && (used & 3) === 0)) throw corrupted(`usedBytes is ${used}`);
  if (!(count >= 0 && count <= used >> 2 && (count === 0) === (used === 0))) {
    throw corrupted(`count is ${count} with ${used} bytes in use`);
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Encoded records waiting to be copied into the ring, in the ring's format.
 * One per queue object for synchronous calls; async calls get their own.
 * It is also the sink of `codec.encodeInto` (`bytes`, `position`).
 */
class Stage {
  bytes: Uint8Array = new Uint8Array(1024);
  i32: Int32Array = new Int32Array(this.bytes.buffer);
  /** Where `codec.encodeInto` appends (the payload of the record being added). */
  position = 0;
  /** ends[k] = byte end of record k. */
  ends = new Int32Array(64);
  records = 0;
  /** First record not yet in the ring. */
  next = 0;
  busy = false;

  reset(): void {
    this.records = 0;
    this.next = 0;
  }

  byteEnd(): number {
    return this.records === 0 ? 0 : (this.ends[this.records - 1] as number);
  }

  /** Makes `bytes` at least `size` long, keeping its first `keep` bytes. */
  grow(size: number, keep: number): void {
    if (size <= this.bytes.length) return;
    let grown = Math.max(1024, this.bytes.length * 2);
    while (grown < size) grown *= 2;
    const bytes = new Uint8Array(grown);
    bytes.set(this.bytes.subarray(0, keep));
    this.bytes = bytes;
    this.i32 = new Int32Array(bytes.buffer);
  }

  /** Encodes `item` as the next record: straight into `bytes` when the codec has `encodeInto`. */
  encode<T>(codec: Codec<T>, item: T, capacity: number, what: string): void {
    if (codec.encodeInto === undefined) {
      this.add(codec.encode(item), capacity, what);
      return;
    }
    const start = this.byteEnd();
    const at = start + RECORD_HEADER_BYTES;
    this.grow(at, start);
    this.position = at;
    const before = this.bytes;
    try {
      codec.encodeInto(item, this);
    } finally {
      // The codec may have replaced `bytes` (grown), even when it threw.
      if (this.bytes !== before) this.adopt(codec.name, what);
    }
    const end = this.position;
    if (!(Number.isInteger(end) && end >= at && end <= this.bytes.length)) {
      throw new TypeError(
        `${what}: codec "${codec.name}".encodeInto left sink.position at ${end}, outside [${at}, ${this.bytes.length}]: ` +
          "it must advance sink.position past what it wrote; fix the codec, or drop its encodeInto",
      );
    }
    this.record(start, end - at, capacity, what);
  }

  /** Views `bytes` through `i32` again after `encodeInto` replaced it; a TypeError when the codec broke it. */
  adopt(codecName: string, what: string): void {
    const bytes = this.bytes as unknown;
    if (bytes instanceof Uint8Array && bytes.byteOffset === 0) {
      if (bytes.buffer !== this.i32.buffer)
        this.i32 = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
      return;
    }
    this.bytes = new Uint8Array(1024);
    this.i32 = new Int32Array(this.bytes.buffer);
    throw new TypeError(
      `${what}: codec "${codecName}".encodeInto set sink.bytes to something other than a Uint8Array from ` +
        "offset 0 of its buffer; fix the codec, or drop its encodeInto",
    );
  }

  add(payload: Uint8Array, capacity: number, what: string): void {
    const start = this.byteEnd();
    const length = payload.length;
    this.grow(start + RECORD_HEADER_BYTES + pad4(length), start);
    this.bytes.set(payload, start + RECORD_HEADER_BYTES);
    this.record(start, length, capacity, what);
  }

  /** Seals the record at `start` whose `length` payload bytes follow its length word. */
  record(start: number, length: number, capacity: number, what: string): void {
    const recordBytes = RECORD_HEADER_BYTES + pad4(length);
    if (recordBytes > capacity) {
      throw new RangeError(
        `${what}: the message encodes to ${length} bytes, so its record needs ${recordBytes} bytes ` +
          `(4 + length rounded up to 4), but the queue's ring holds ${capacity} bytes; ` +
          "create the queue with a larger capacity, or send the data in smaller parts",
      );
    }
    const end = start + recordBytes;
    // The padding after the payload must be inside `bytes` too (the ring copy takes whole records).
    this.grow(end, start + RECORD_HEADER_BYTES + length);
    if (this.records === this.ends.length) {
      const grown = new Int32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.i32[start >> 2] = length;
    this.ends[this.records++] = end;
  }
}

/** Records copied out of the ring, decoded after the lock is released. */
class Scratch {
  bytes = new Uint8Array(1024);
  i32 = new Int32Array(this.bytes.buffer);
  busy = false;

  ensure(size: number): void {
    if (size <= this.bytes.length) return;
    let grown = this.bytes.length * 2;
    while (grown < size) grown *= 2;
    this.bytes = new Uint8Array(grown);
    this.i32 = new Int32Array(this.bytes.buffer);
  }
}

/** Marks the internal option that attaches to an existing handle. */
const ATTACH: unique symbol = Symbol("sabkit.queue.attach");
interface AttachOptions<T> extends QueueOptions<T> {
  [ATTACH]?: QueueHandle<string>;
}

function makeKind(kind: string): HandleKind<QueueHandle<string>> {
  return defineKind<QueueHandle<string>>({
    kind,
    // 2: the lock names its holder in lockOwner (owner-death recovery).
    version: 2,
    package: "@sabkit/queue",
    layout: QUEUE_HEADER,
  });
}

/** Handle kinds: one layout, three kinds (so a handle revives as the right class). */
export const QUEUE_KIND = makeKind("queue");
export const JOINABLE_QUEUE_KIND = makeKind("joinable-queue");
export const SIMPLE_QUEUE_KIND = makeKind("simple-queue");

/**
 * A bounded multi-producer / multi-consumer queue in shared memory, shared
 * with workers through its `handle` (or `share`/`revive`, Process and Pool
 * args).
 *
 * @example
 * ```ts
 * const queue = new Queue<{ id: number }>({ maxSize: 100 });
 * worker.postMessage(queue.handle);             // worker: Queue.from(handle)
 * queue.put({ id: 1 });                          // blocks while full
 * const item = await queue.getAsync({ timeout: 1000 });
 * ```
 */
export class Queue<T = unknown> implements Shareable<QueueHandle>, AsyncIterable<T> {
  static {
    registerKind(QUEUE_KIND.kind, { from: (handle) => Queue.from(handle) });
  }
  /** The handle kind of this class (overridden by subclasses). */
  protected static readonly kindSpec: HandleKind<QueueHandle<string>> = QUEUE_KIND;
  /** The default ring size of this class. */
  protected static readonly defaultCapacity: number = DEFAULT_CAPACITY;

  readonly handle: QueueHandle;
  /** Ring bytes. */
  readonly capacity: number;
  /** Item bound (0 = unbounded). */
  readonly maxSize: number;
  readonly codec: Codec<T>;
  /** @internal */
  protected readonly i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #ring32: Int32Array;
  readonly #stage = new Stage();
  readonly #scratch = new Scratch();
  readonly #name: string;

  constructor(options: QueueOptions<T> = {}) {
    const Class = new.target as unknown as typeof Queue;
    const kind = Class.kindSpec;
    this.#name = Class.name;
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `new ${this.#name}(options): options must be an object like { capacity, maxSize, codec } or undefined`,
      );
    }
    let handle = (options as AttachOptions<T>)[ATTACH];
    if (handle === undefined) {
      const requested =
        options.capacity === undefined
          ? Class.defaultCapacity
          : validateCount(options.capacity, "capacity", { min: 8, max: MAX_CAPACITY });
      const capacity = pad4(requested);
      let maxSize = 0;
      if (options.maxSize !== undefined) {
        const m = options.maxSize;
        if (typeof m !== "number" || !Number.isInteger(m) || m > MAX_COUNT || m < -MAX_COUNT) {
          throw new RangeError(
            `maxSize must be an integer (<= 0 for unbounded, at most 2^31 - 1), got ${String(m)}`,
          );
        }
        maxSize = Math.max(m, 0);
      }
      const codec = checkCodec<T>(options.codec ?? structuredCodec, "codec");
      const region = attach(
        QUEUE_HEADER,
        allocate(DATA_OFFSET + capacity),
        0,
        DATA_OFFSET + capacity,
      );
      region.i32[CAPACITY] = capacity;
      region.i32[MAX_SIZE] = maxSize;
      kind.writeTag(region.i32); // before the handle exists, so before anyone sees it
      handle = kind.makeHandle(region, { capacity, maxSize, codec: codec.name });
      this.codec = codec;
    } else {
      this.codec = resolveCodec<T>(
        handle.codec,
        options.codec,
        `${this.#name}.from(handle)`,
        `${this.#name}.from(handle, { codec })`,
      );
    }
    const what = `${this.#name}.from(handle)`;
    const capacity = handle.capacity;
    if (
      typeof capacity !== "number" ||
      !Number.isInteger(capacity) ||
      capacity < 8 ||
      capacity > MAX_CAPACITY ||
      capacity % 4 !== 0 ||
      handle.byteLength !== DATA_OFFSET + capacity
    ) {
      throw new InvalidHandleError(
        `${what}: handle.capacity (${String(capacity)}) and handle.byteLength (${String(handle.byteLength)}) ` +
          "do not describe a queue region (byteLength must be 64 + capacity): this is not a queue handle, or it was altered",
      );
    }
    const maxSize = handle.maxSize;
    if (
      typeof maxSize !== "number" ||
      !Number.isInteger(maxSize) ||
      maxSize < 0 ||
      maxSize > MAX_COUNT
    ) {
      throw new InvalidHandleError(
        `${what}: handle.maxSize must be an integer >= 0, got ${String(maxSize)}`,
      );
    }
    const i32 = kind.attachHandle(handle, what);
    if (i32[CAPACITY] !== capacity || i32[MAX_SIZE] !== maxSize) {
      throw new InvalidHandleError(
        `${what}: the handle says capacity ${capacity} and maxSize ${maxSize}, but the shared header says ` +
          `${i32[CAPACITY]} and ${i32[MAX_SIZE]}: the handle was altered or the memory overwritten`,
      );
    }
    this.handle = handle as QueueHandle;
    this.capacity = capacity;
    this.maxSize = maxSize;
    this.i32 = i32;
    this.#u8 = new Uint8Array(handle.buffer, handle.byteOffset + DATA_OFFSET, capacity);
    this.#ring32 = new Int32Array(handle.buffer, handle.byteOffset + DATA_OFFSET, capacity >> 2);
  }

  /**
   * Revives a queue from its handle (in a worker). A queue made with a codec
   * that is not built in needs that codec again: `Queue.from(handle, { codec })`.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or codec.
   */
  static from<T = unknown>(handle: unknown, options: QueueFromOptions<T> = {}): Queue<T> {
    return attachQueue(Queue<T>, "Queue", QUEUE_KIND, handle, options as QueueFromOptions<unknown>);
  }

  // ---------------------------------------------------------------- put

  /**
   * Puts `item`, waiting while the queue is full (`timeout` ms at most).
   *
   * @throws ClosedError after close(); TimeoutError; RangeError when the
   * message is larger than the ring; the codec's error when it cannot encode.
   */
  put(item: T, options?: WaitOptions): void {
    const deadline =
      options === undefined ? undefined : Deadline.from(options, `${this.#name}.put options`);
    const stage = this.#takeStage();
    try {
      stage.encode(this.codec, item, this.capacity, `${this.#name}.put`);
      if (this.#commit(stage, deadline) === 0)
        this.#putSlow(stage, deadline ?? Deadline.from(undefined), "put");
    } finally {
      this.#releaseStage(stage);
    }
  }

  /** Puts every item in order, in as few lock holds as the room allows; waits for room as `put` does. */
  putMany(items: Iterable<T>, options?: WaitOptions): void {
    const deadline = Deadline.from(options, `${this.#name}.putMany options`);
    const stage = this.#takeStage();
    try {
      this.#stageAll(stage, items, "putMany");
      while (stage.next < stage.records) {
        if (this.#commit(stage, deadline) === 0) this.#putSlow(stage, deadline, "putMany");
      }
    } finally {
      this.#releaseStage(stage);
    }
  }

  /** Puts without waiting; `false` when there is no room. @throws ClosedError after close(). */
  tryPut(item: T): boolean {
    const stage = this.#takeStage();
    try {
      stage.encode(this.codec, item, this.capacity, `${this.#name}.tryPut`);
      return this.#commit(stage) === 1;
    } finally {
      this.#releaseStage(stage);
    }
  }

  /** Puts as many leading items as fit now, without waiting; returns how many. */
  tryPutMany(items: Iterable<T>): number {
    const stage = this.#takeStage();
    try {
      this.#stageAll(stage, items, "tryPutMany");
      return stage.records === 0 ? 0 : this.#commit(stage);
    } finally {
      this.#releaseStage(stage);
    }
  }

  /** Python's `put_nowait`. @throws FullError when there is no room; ClosedError after close(). */
  putNowait(item: T): void {
    if (!this.tryPut(item)) {
      throw new FullError(
        `${this.#name}.putNowait: the queue is full (${this.qsize()} items, maxSize ${this.maxSize || "unbounded"}, ` +
          `${this.capacity}-byte ring): retry later, or use put() with a timeout`,
      );
    }
  }

  /** `put` that never blocks the thread (`signal` aborts it). */
  async putAsync(item: T, options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, `${this.#name}.putAsync options`);
    const stage = new Stage();
    stage.encode(this.codec, item, this.capacity, `${this.#name}.putAsync`);
    while (this.#commit(stage, deadline) === 0)
      await this.#waitAsync(SPACE_SEQ, SPACE_WAITERS, deadline, "putAsync", stage);
  }

  /** `putMany` that never blocks the thread. */
  async putManyAsync(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, `${this.#name}.putManyAsync options`);
    const stage = new Stage();
    this.#stageAll(stage, items, "putManyAsync");
    while (stage.next < stage.records) {
      if (this.#commit(stage, deadline) === 0)
        await this.#waitAsync(SPACE_SEQ, SPACE_WAITERS, deadline, "putManyAsync", stage);
    }
  }

  // ---------------------------------------------------------------- get

  /**
   * Takes the oldest item, waiting while the queue is empty (`timeout` ms at most).
   *
   * @throws ClosedError once the queue is closed and drained; TimeoutError.
   */
  get(options?: WaitOptions): T {
    const deadline =
      options === undefined ? undefined : Deadline.from(options, `${this.#name}.get options`);
    const scratch = this.#takeScratch();
    try {
      let end = this.#take(scratch, 1, deadline);
      if (end === 0) end = this.#getSlow(scratch, 1, deadline ?? Deadline.from(undefined), "get");
      return this.#decodeRecord(scratch, 0);
    } finally {
      this.#releaseScratch(scratch);
    }
  }

  /**
   * Takes up to `max` items in one lock hold, waiting (as `get`) until there
   * is at least one. Returns them oldest first (1 to `max` items).
   */
  getMany(max: number, options?: WaitOptions): T[] {
    validateCount(max, "max", { min: 1 });
    const deadline = Deadline.from(options, `${this.#name}.getMany options`);
    const scratch = this.#takeScratch();
    try {
      let end = this.#take(scratch, max, deadline);
      if (end === 0) end = this.#getSlow(scratch, max, deadline, "getMany");
      return this.#decodeAll(scratch, end);
    } finally {
      this.#releaseScratch(scratch);
    }
  }

  /** Takes without waiting: `{ ok: true, value }` or `{ ok: false }`. @throws ClosedError once closed and drained. */
  tryGet(): TryGetResult<T> {
    const scratch = this.#takeScratch();
    try {
      if (this.#take(scratch, 1) === 0) return { ok: false };
      return {
        ok: true,
        value: this.#decodeRecord(scratch, 0),
      };
    } finally {
      this.#releaseScratch(scratch);
    }
  }

  /** Takes up to `max` items without waiting (possibly none). @throws ClosedError once closed and drained. */
  tryGetMany(max: number): T[] {
    validateCount(max, "max", { min: 1 });
    const scratch = this.#takeScratch();
    try {
      return this.#decodeAll(scratch, this.#take(scratch, max));
    } finally {
      this.#releaseScratch(scratch);
    }
  }

  /**
   * Waits until there is an item to take, or the queue is closed, without
   * taking it (`timeout` ms at most). For a consumer that takes with
   * `tryGetMany` once woken, or that watches several queues; the try form is
   * `!empty() || closed`. With other consumers, one of them may take the item
   * first; a woken waiter passes its wake-up on, so it never keeps one from
   * a consumer that would take the item.
   *
   * @throws TimeoutError.
   */
  waitReadable(options?: WaitOptions): void {
    const deadline = Deadline.from(options, `${this.#name}.waitReadable options`);
    const i32 = this.i32;
    for (let spin = 0; spin < SPINS; spin++) {
      if (this.#readable()) return;
      spinWait(spin);
    }
    for (;;) {
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError(`${this.#name}.waitReadable (waiting for an item)`);
      // Register, then re-check: a put after the re-check moves DATA_SEQ and sees the waiter.
      const seq = Atomics.load(i32, DATA_SEQ);
      Atomics.add(i32, DATA_WAITERS, 1);
      try {
        if (this.#readable()) return;
        waitSync(i32, DATA_SEQ, seq, deadline.remainingMs());
      } finally {
        Atomics.sub(i32, DATA_WAITERS, 1);
      }
      if (this.#readable()) {
        this.#passWakeOn();
        return;
      }
    }
  }

  /** `waitReadable` that never blocks the thread (`signal` aborts it). */
  async waitReadableAsync(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, `${this.#name}.waitReadableAsync options`);
    if (this.#readable()) return;
    do await this.#waitAsync(DATA_SEQ, DATA_WAITERS, deadline, "waitReadableAsync", undefined);
    while (!this.#readable());
    this.#passWakeOn();
  }

  /** An item is there, or the queue is closed (snapshots: COUNT is stored under the lock, CLOSED by close()). */
  #readable(): boolean {
    return Atomics.load(this.i32, COUNT) !== 0 || Atomics.load(this.i32, CLOSED) !== 0;
  }

  /**
   * A put wakes as many sleepers as it put items, each expected to take one;
   * a waitReadable that was woken takes none, so it hands the wake-up on to
   * one more sleeper, if there is one (a getter woken for nothing retries
   * and sleeps again).
   */
  #passWakeOn(): void {
    // Sees the other sleepers' registrations (their Atomics.add of DATA_WAITERS).
    if (Atomics.load(this.i32, DATA_WAITERS) > 0) notify(this.i32, DATA_SEQ, 1);
  }

  /** Python's `get_nowait`. @throws EmptyError when empty; ClosedError once closed and drained. */
  getNowait(): T {
    const result = this.tryGet();
    if (!result.ok) {
      throw new EmptyError(
        `${this.#name}.getNowait: the queue is empty: retry later, or use get() with a timeout`,
      );
    }
    return result.value;
  }

  /** `get` that never blocks the thread (`signal` aborts it). */
  async getAsync(options?: WaitOptions): Promise<T> {
    const [item] = await this.#getManyAsync(1, options, "getAsync");
    return item as T;
  }

  /** `getMany` that never blocks the thread. */
  getManyAsync(max: number, options?: WaitOptions): Promise<T[]> {
    try {
      validateCount(max, "max", { min: 1 });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#getManyAsync(max, options, "getManyAsync");
  }

  async #getManyAsync(max: number, options: WaitOptions | undefined, what: string): Promise<T[]> {
    const deadline = Deadline.from(options, `${this.#name}.${what} options`);
    for (;;) {
      const scratch = this.#takeScratch();
      try {
        const end = this.#take(scratch, max, deadline);
        if (end !== 0) return this.#decodeAll(scratch, end);
      } finally {
        this.#releaseScratch(scratch);
      }
      await this.#waitAsync(DATA_SEQ, DATA_WAITERS, deadline, what, undefined);
    }
  }

  /** Receives items until the queue is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.getAsync();
      } catch (error) {
        if (error instanceof ClosedError) return;
        throw error;
      }
      yield item;
    }
  }

  // ---------------------------------------------------------------- state

  /** Items in the queue now (a snapshot: other threads change it at once). */
  qsize(): number {
    // Reads the count stored under the lock by the last put/get (a snapshot).
    const count = Atomics.load(this.i32, COUNT);
    if (count < 0 || count > this.capacity >> 2) throw corrupted(`count is ${count}`);
    return count;
  }

  /** Same as {@link qsize}. */
  get size(): number {
    return this.qsize();
  }

  /** `true` when there are no items now (a snapshot). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** `true` when `maxSize` items are in the queue now (Python's `full()`; bytes are not considered). */
  full(): boolean {
    return this.maxSize > 0 && this.qsize() >= this.maxSize;
  }

  /** `true` once `close()` has been called (by any thread). */
  get closed(): boolean {
    // Pairs with the store in close().
    return Atomics.load(this.i32, CLOSED) !== 0;
  }

  /**
   * Closes the queue for every thread: later puts throw ClosedError, blocked
   * producers wake with ClosedError, consumers drain what is left and then
   * get ClosedError. Calling it again does nothing.
   */
  close(): void {
    const i32 = this.i32;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, undefined);
    let died: OwnerDiedError | undefined;
    try {
      if (deadOwner !== 0) died = this.#recoverFromDeadOwner(deadOwner, "The queue is now closed.");
      // Under the lock: a put either committed before (its items stay, to be drained) or sees closed.
      Atomics.store(i32, CLOSED, 1);
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    // Moves both sequence words so no waiter can sleep on the old values; pairs with the loads in the waits.
    Atomics.add(i32, DATA_SEQ, 1);
    Atomics.add(i32, SPACE_SEQ, 1);
    notify(i32, DATA_SEQ);
    notify(i32, SPACE_SEQ);
    if (died !== undefined) throw died;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Called with the lock held, taken over from a thread that died holding
   * it: checks the whole header and every record (a typed error if the dead
   * thread left them inconsistent) and returns the OwnerDiedError to report,
   * its message ending with `outcome` (what became of the caller's call).
   * The critical sections write the ring before the header words, so a
   * holder that dies mid-copy leaves its records outside the queue (wholly
   * absent), never torn.
   */
  #recoverFromDeadOwner(deadOwner: number, outcome: string): OwnerDiedError {
    const i32 = this.i32;
    const capacity = this.capacity;
    const head = i32[HEAD] as number;
    const used = i32[USED_BYTES] as number;
    const count = i32[COUNT] as number;
    checkHeader(head, used, count, capacity);
    const ring32 = this.#ring32;
    let position = head;
    let walked = 0;
    // Bounded by `count` (<= capacity / 4); each length is checked before it moves `position`.
    for (let k = 0; k < count; k++) {
      const length = ring32[position >> 2] as number;
      const recordBytes = RECORD_HEADER_BYTES + pad4(length);
      if (!(length >= 0 && recordBytes <= used - walked)) {
        throw corrupted(
          `after thread ${deadOwner} died holding its lock, a record at byte ${position} claims ${length} bytes, but ${used - walked} are in use`,
        );
      }
      walked += recordBytes;
      position += recordBytes;
      if (position >= capacity) position -= capacity;
    }
    if (walked !== used) {
      throw corrupted(
        `after thread ${deadOwner} died holding its lock, ${count} records fill ${walked} bytes but ${used} are in use`,
      );
    }
    return new OwnerDiedError(
      `${this.#name}: thread ${deadOwner} died while holding the queue's internal lock (in the middle of a put or get). ` +
        `The queue checked its ${count} items and they are intact; a put or get the dead thread had not finished is wholly undone or wholly done. ${outcome}`,
      { ownerIdentity: deadOwner },
    );
  }

  #takeStage(): Stage {
    const stage = this.#stage.busy ? new Stage() : this.#stage;
    stage.busy = true;
    stage.reset();
    return stage;
  }

  #releaseStage(stage: Stage): void {
    stage.busy = false;
    // Keep buffers up to twice the ring (a full batch); drop larger ones after an unusual batch.
    if (stage.bytes.length > Math.max(1 << 20, 2 * this.capacity)) {
      stage.bytes = new Uint8Array(1024);
      stage.i32 = new Int32Array(stage.bytes.buffer);
    }
  }

  #takeScratch(): Scratch {
    const scratch = this.#scratch.busy ? new Scratch() : this.#scratch;
    scratch.busy = true;
    return scratch;
  }

  #releaseScratch(scratch: Scratch): void {
    scratch.busy = false;
    if (scratch.bytes.length > Math.max(1 << 20, 2 * this.capacity)) {
      scratch.bytes = new Uint8Array(1024);
      scratch.i32 = new Int32Array(scratch.bytes.buffer);
    }
  }

  #stageAll(stage: Stage, items: Iterable<T>, what: string): void {
    if (items === null || typeof (items as Iterable<T>)[Symbol.iterator] !== "function") {
      throw new TypeError(`${this.#name}.${what}: items must be an iterable (an array of items)`);
    }
    const codec = this.codec;
    for (const item of items) stage.encode(codec, item, this.capacity, `${this.#name}.${what}`);
  }

  /**
   * Copies as many staged records as fit into the ring in one lock hold.
   * Returns how many (0 = no room).
   *
   * @throws ClosedError when closed; InvalidHandleError when the header is corrupted.
   */
  #commit(stage: Stage, deadline?: Deadline): number {
    const i32 = this.i32;
    const capacity = this.capacity;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, deadline);
    let put = 0;
    let head: number;
    let used: number;
    let count: number;
    try {
      if (deadOwner !== 0) {
        const outcome =
          stage.next === 0
            ? "Nothing of this call was put: call it again."
            : `${stage.next} of this call's ${stage.records} items were put before; the rest were not: put those again.`;
        throw this.#recoverFromDeadOwner(deadOwner, outcome);
      }
      if (i32[CLOSED] !== 0) {
        throw new ClosedError(
          `${this.#name}: the queue is closed: nothing more can be put into it`,
        );
      }
      // Header read once, checked before use (plain reads: the lock orders them).
      head = i32[HEAD] as number;
      used = i32[USED_BYTES] as number;
      count = i32[COUNT] as number;
      checkHeader(head, used, count, capacity);
      const free = capacity - used;
      let room = stage.records - stage.next;
      if (this.maxSize > 0) room = Math.min(room, this.maxSize - count);
      const from = stage.next === 0 ? 0 : (stage.ends[stage.next - 1] as number);
      const ends = stage.ends;
      while (put < room && (ends[stage.next + put] as number) - from <= free) put++;
      if (put > 0) {
        const to = ends[stage.next + put - 1] as number;
        const bytes = to - from;
        let tail = head + used;
        if (tail >= capacity) tail -= capacity;
        const first = Math.min(bytes, capacity - tail);
        const u8 = this.#u8;
        u8.set(stage.bytes.subarray(from, from + first), tail);
        if (first < bytes) u8.set(stage.bytes.subarray(from + first, to), 0);
        i32[USED_BYTES] = used + bytes;
        // Atomic store so qsize()/spinners outside the lock read a whole value; the unlock publishes it too.
        Atomics.store(i32, COUNT, count + put);
        // JoinableQueue's unfinished tasks; pairs with taskDone's CAS and join's load.
        Atomics.add(i32, UNFINISHED, put);
        stage.next += put;
      }
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    if (put > 0) {
      // Publishes "new data" to sleepers; pairs with the load of DATA_SEQ before they register.
      Atomics.add(i32, DATA_SEQ, 1);
      // Only wakes when someone registered to sleep (see "No lost wake-up").
      if (Atomics.load(i32, DATA_WAITERS) > 0) notify(i32, DATA_SEQ, put);
    }
    return put;
  }

  /**
   * Takes up to `max` records into `scratch` (contiguous, ring format) in
   * one lock hold; returns the end byte in the scratch (0 = nothing).
   *
   * @throws ClosedError when closed and empty; InvalidHandleError when corrupted.
   */
  #take(scratch: Scratch, max: number, deadline?: Deadline): number {
    const i32 = this.i32;
    const capacity = this.capacity;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, deadline);
    let bytes = 0;
    let taken = 0;
    try {
      if (deadOwner !== 0) {
        throw this.#recoverFromDeadOwner(
          deadOwner,
          "Nothing was taken by this call: call it again.",
        );
      }
      const head = i32[HEAD] as number;
      const used = i32[USED_BYTES] as number;
      const count = i32[COUNT] as number;
      checkHeader(head, used, count, capacity);
      if (count === 0) {
        if (i32[CLOSED] !== 0) {
          throw new ClosedError(
            `${this.#name}: the queue is closed and drained: nothing more will arrive`,
          );
        }
        return 0;
      }
      const want = Math.min(max, count);
      const ring32 = this.#ring32;
      let position = head;
      // Bounded by `want` (<= count <= capacity / 4); each length is checked before it moves `position`.
      while (taken < want) {
        const length = ring32[position >> 2] as number;
        const recordBytes = RECORD_HEADER_BYTES + pad4(length);
        if (!(length >= 0 && recordBytes <= used - bytes)) {
          throw corrupted(
            `a record at byte ${position} claims ${length} bytes, but ${used - bytes} are in use`,
          );
        }
        bytes += recordBytes;
        taken++;
        position += recordBytes;
        if (position >= capacity) position -= capacity;
      }
      scratch.ensure(bytes);
      const first = Math.min(bytes, capacity - head);
      const u8 = this.#u8;
      scratch.bytes.set(u8.subarray(head, head + first), 0);
      if (first < bytes) scratch.bytes.set(u8.subarray(0, bytes - first), first);
      i32[HEAD] = position;
      i32[USED_BYTES] = used - bytes;
      Atomics.store(i32, COUNT, count - taken);
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    // Publishes "room" to sleeping producers; pairs with their load of SPACE_SEQ.
    Atomics.add(i32, SPACE_SEQ, 1);
    // Every producer wakes: sizes differ, so the one that fits may not be the first in line.
    if (Atomics.load(i32, SPACE_WAITERS) > 0) notify(i32, SPACE_SEQ);
    return bytes;
  }

  #decodeAll(scratch: Scratch, end: number): T[] {
    const items: T[] = [];
    let position = 0;
    while (position < end) {
      items.push(this.#decodeRecord(scratch, position));
      position += RECORD_HEADER_BYTES + pad4(scratch.i32[position >> 2] as number);
    }
    return items;
  }

  /** Decodes the record at `position` of the scratch (its length was checked by #take). */
  #decodeRecord(scratch: Scratch, position: number): T {
    const codec = this.codec;
    const start = position + RECORD_HEADER_BYTES;
    const end = start + (scratch.i32[position >> 2] as number);
    // decodeRange skips making a view per message.
    if (codec.decodeRange !== undefined) return codec.decodeRange(scratch.bytes, start, end);
    return codec.decode(scratch.bytes.subarray(start, end));
  }

  /** Could a record of `bytes` bytes fit now? (a racy hint for spinning, no lock). */
  #mayFit(bytes: number): boolean {
    const i32 = this.i32;
    // Snapshots written under the lock; a wrong guess costs one lock round.
    if (Atomics.load(i32, CLOSED) !== 0) return true;
    if (this.maxSize > 0 && Atomics.load(i32, COUNT) >= this.maxSize) return false;
    return this.capacity - Atomics.load(i32, USED_BYTES) >= bytes;
  }

  #nextRecordBytes(stage: Stage): number {
    const from = stage.next === 0 ? 0 : (stage.ends[stage.next - 1] as number);
    return (stage.ends[stage.next] as number) - from;
  }

  #putSlow(stage: Stage, deadline: Deadline, what: string): void {
    const i32 = this.i32;
    const need = this.#nextRecordBytes(stage);
    for (let spin = 0; spin < SPINS; spin++) {
      spinWait(spin);
      if (this.#mayFit(need) && this.#commit(stage, deadline) > 0) return;
    }
    for (;;) {
      deadline.throwIfAborted();
      if (deadline.expired) throw deadline.timeoutError(`${this.#name}.${what} (waiting for room)`);
      // Read the sequence before registering and re-checking (see "No lost wake-up").
      const seq = Atomics.load(i32, SPACE_SEQ);
      Atomics.add(i32, SPACE_WAITERS, 1);
      try {
        if (this.#commit(stage, deadline) > 0) return;
        waitSync(i32, SPACE_SEQ, seq, deadline.remainingMs());
      } finally {
        Atomics.sub(i32, SPACE_WAITERS, 1);
      }
      if (this.#commit(stage, deadline) > 0) return;
    }
  }

  #getSlow(scratch: Scratch, max: number, deadline: Deadline, what: string): number {
    const i32 = this.i32;
    for (let spin = 0; spin < SPINS; spin++) {
      spinWait(spin);
      // Snapshots of the count and closed; #take decides under the lock.
      if (this.#readable()) {
        const end = this.#take(scratch, max, deadline);
        if (end !== 0) return end;
      }
    }
    for (;;) {
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError(`${this.#name}.${what} (waiting for an item)`);
      const seq = Atomics.load(i32, DATA_SEQ);
      Atomics.add(i32, DATA_WAITERS, 1);
      try {
        const end = this.#take(scratch, max, deadline);
        if (end !== 0) return end;
        waitSync(i32, DATA_SEQ, seq, deadline.remainingMs());
      } finally {
        Atomics.sub(i32, DATA_WAITERS, 1);
      }
      const end = this.#take(scratch, max, deadline);
      if (end !== 0) return end;
    }
  }

  /**
   * One async sleep until the sequence word moves (after registering and
   * re-checking). Returns when the caller should try again.
   */
  async #waitAsync(
    seqIndex: number,
    waitersIndex: number,
    deadline: Deadline,
    what: string,
    stage: Stage | undefined,
  ): Promise<void> {
    const i32 = this.i32;
    deadline.throwIfAborted();
    if (deadline.expired) {
      throw deadline.timeoutError(
        `${this.#name}.${what} (waiting for ${stage ? "room" : "an item"})`,
      );
    }
    const seq = Atomics.load(i32, seqIndex);
    Atomics.add(i32, waitersIndex, 1);
    try {
      // Re-check after registering: if the state changed, return to retry at once.
      if (stage !== undefined) {
        if (this.#mayFit(this.#nextRecordBytes(stage))) return;
      } else if (this.#readable()) return;
      try {
        await waitAsync(i32, seqIndex, seq, deadline.remainingMs(), deadline.signal);
      } catch (error) {
        deadline.throwIfAborted();
        throw error;
      }
    } finally {
      Atomics.sub(i32, waitersIndex, 1);
    }
  }
}

/**
 * Validates `handle` as a handle of `kind` and attaches a `Class` instance to
 * it (each class's `from` calls this with itself, its kind and its name, a
 * string literal: a minifier renames classes).
 */
export function attachQueue<Q>(
  Class: new (options: never) => Q,
  className: string,
  kind: HandleKind<QueueHandle<string>>,
  handle: unknown,
  options: QueueFromOptions<unknown> = {},
): Q {
  const valid = kind.validate(handle, `${className}.from(handle)`);
  return new Class({ ...options, [ATTACH]: valid } as never);
}
