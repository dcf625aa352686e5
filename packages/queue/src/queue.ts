/**
 * Queue: a bounded multi-producer / multi-consumer queue of variable-size
 * messages in one SharedArrayBuffer (Python's `multiprocessing.Queue`).
 *
 * Algorithm: a byte ring of length-prefixed records guarded by a short lock
 * (queue-lock.ts). Values are encoded *outside* the lock into a local staging
 * buffer (staging.ts) that already has the ring's record format; the critical
 * section is one or two memcpys plus three header stores (record-ring.ts,
 * which holds the shared layout table, the transitions, the invariants and
 * what happens on owner death). Consumers copy whole records out under the
 * lock and decode after releasing it. `putMany` / `getMany` move a whole
 * batch in one lock hold. Waiters spin briefly on the header, then register
 * in a waiter count and sleep on a sequence word; a put or get notifies only
 * when that count is non-zero (queue-waits.ts, with the no-lost-wake-up
 * argument and the fairness policy).
 *
 * Making one: `new Queue(options)` places a fresh region (its own memory, or
 * `{ buffer, byteOffset }` of the caller's: `Queue.byteLength(options)` bytes
 * aligned to `Queue.alignment`) and initializes it before the handle exists;
 * `Queue.from(handle)` validates the handle and attaches, through the same
 * constructor (core's attachOptions).
 */
import {
  ClosedError,
  type Codec,
  EmptyError,
  FullError,
  type Handle,
  InvalidHandleError,
  type Placement,
  type Shareable,
  structuredCodec,
  type WaitOptions,
} from "@sabkit/core";
import {
  attachedHandle,
  attachOptions,
  checkCodec,
  Deadline,
  defineKind,
  driveAsync,
  driveSync,
  type HandleKind,
  MAX_COUNT,
  placeRegion,
  registerKind,
  resolveCodec,
  validateCount,
} from "@sabkit/core/internal";
import { ASYNC_SPINS, GetWait, PutWait, passWakeOn, ReadableWait, SPINS } from "./queue-waits.js";
import {
  CAPACITY,
  CLOSED,
  DATA_OFFSET,
  MAX_CAPACITY,
  MAX_SIZE,
  MIN_CAPACITY,
  pad4,
  QUEUE_HEADER,
  queueLayout,
  RECORD_HEADER_BYTES,
  RecordRing,
} from "./record-ring.js";
import { borrow, Scratch, Stage } from "./staging.js";

/** Default ring size of a Queue (1 MiB). */
export const DEFAULT_CAPACITY = 2 ** 20;

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

/**
 * Options of `new Queue(...)`. With `buffer` (and `byteOffset`), the queue is
 * placed in that region of the caller's SharedArrayBuffer:
 * `Queue.byteLength(options)` bytes from `byteOffset`, a multiple of
 * `Queue.alignment`.
 */
export interface QueueOptions<T> extends Placement {
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

/** The deadline of a blocking call without options (no timeout, no signal); immutable, so shared. */
const FOREVER = Deadline.after(undefined);

/** What a queue class (Queue or a subclass) says about itself to creation. */
interface QueueClass {
  readonly name: string;
  readonly kindSpec: HandleKind<QueueHandle<string>>;
  readonly defaultCapacity: number;
}

/** The ring bytes `capacity` asks for: validated, rounded up to a multiple of 4 (the class's default when undefined). */
function ringCapacity(Class: QueueClass, capacity: unknown): number {
  if (capacity === undefined) return Class.defaultCapacity;
  return pad4(validateCount(capacity, "capacity", { min: MIN_CAPACITY, max: MAX_CAPACITY }));
}

/** `maxSize` as stored: validated, 0 for unbounded. */
function itemBound(maxSize: unknown): number {
  if (maxSize === undefined) return 0;
  if (
    typeof maxSize !== "number" ||
    !Number.isInteger(maxSize) ||
    maxSize > MAX_COUNT ||
    maxSize < -MAX_COUNT
  ) {
    throw new RangeError(
      `maxSize must be an integer (<= 0 for unbounded, at most 2^31 - 1), got ${String(maxSize)}`,
    );
  }
  return Math.max(maxSize, 0);
}

/**
 * Creation: validates the options, places the region (fresh memory or the
 * caller's, zeroed) and initializes the header before the handle exists.
 */
function createQueue<T>(
  Class: QueueClass,
  options: QueueOptions<T>,
): { handle: QueueHandle<string>; codec: Codec<T> } {
  const capacity = ringCapacity(Class, options.capacity);
  const maxSize = itemBound(options.maxSize);
  const codec = checkCodec<T>(options.codec ?? structuredCodec, "codec");
  const region = placeRegion(queueLayout(capacity), options, `new ${Class.name}(options)`);
  // Nobody else sees the region before the handle exists: plain writes.
  region.i32[CAPACITY] = capacity;
  region.i32[MAX_SIZE] = maxSize;
  Class.kindSpec.writeTag(region.i32);
  const handle = Class.kindSpec.makeHandle(region, { capacity, maxSize, codec: codec.name });
  return { handle, codec };
}

/**
 * Checks the queue fields of a handle (already validated as a handle of its
 * kind) against each other and against the shared header, and opens its ring.
 */
function openRing(
  kind: HandleKind<QueueHandle<string>>,
  handle: QueueHandle<string>,
  name: string,
): RecordRing {
  const what = `${name}.from(handle)`;
  const capacity = handle.capacity;
  if (
    typeof capacity !== "number" ||
    !Number.isInteger(capacity) ||
    capacity < MIN_CAPACITY ||
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
  return new RecordRing(i32, capacity, maxSize, name);
}

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
  /** The alignment a placed queue's `byteOffset` needs (every word is an int32). */
  static readonly alignment: number = QUEUE_HEADER.alignment;

  readonly handle: QueueHandle;
  /** Ring bytes. */
  readonly capacity: number;
  /** Item bound (0 = unbounded). */
  readonly maxSize: number;
  readonly codec: Codec<T>;
  /** @internal */
  protected readonly i32: Int32Array;
  readonly #ring: RecordRing;
  readonly #stage = new Stage();
  readonly #scratch = new Scratch();
  readonly #name: string;

  /**
   * A new, empty queue: in its own memory, or placed at `{ buffer, byteOffset }`.
   *
   * @throws RangeError / TypeError for bad options; InvalidHandleError for a
   * placement that is not a SharedArrayBuffer, misaligned, or too small.
   */
  constructor(options: QueueOptions<T> = {}) {
    const Class = new.target as unknown as QueueClass;
    const name = Class.name;
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `new ${name}(options): options must be an object like { capacity, maxSize, codec } or undefined`,
      );
    }
    const attached = attachedHandle<QueueHandle<string>>(options);
    let handle: QueueHandle<string>;
    if (attached === undefined) {
      ({ handle, codec: this.codec } = createQueue(Class, options));
    } else {
      handle = attached;
      this.codec = resolveCodec<T>(
        handle.codec,
        options.codec,
        `${name}.from(handle)`,
        `${name}.from(handle, { codec })`,
      );
    }
    const ring = openRing(Class.kindSpec, handle, name);
    this.handle = handle as QueueHandle;
    this.capacity = ring.capacity;
    this.maxSize = ring.maxSize;
    this.i32 = ring.i32;
    this.#ring = ring;
    this.#name = name;
  }

  /**
   * Bytes a queue of these options takes when placed in a caller's buffer
   * (header and ring): `Queue.byteLength({ capacity: 4096 })` is 4160.
   *
   * @throws RangeError for a bad capacity.
   */
  static byteLength(options: Pick<QueueOptions<unknown>, "capacity"> = {}): number {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class it is called on, so SimpleQueue.byteLength() counts SimpleQueue's default ring.
    return DATA_OFFSET + ringCapacity(this as unknown as QueueClass, options.capacity);
  }

  /**
   * Revives a queue from its handle (in a worker). A queue made with a codec
   * that is not built in needs that codec again: `Queue.from(handle, { codec })`.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or codec.
   */
  static from<T = unknown>(handle: unknown, options: QueueFromOptions<T> = {}): Queue<T> {
    const valid = QUEUE_KIND.validate(handle, "Queue.from(handle)");
    return new Queue<T>({ ...options, ...attachOptions(valid) });
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
      if (this.#ring.commit(stage, deadline) === 0) {
        driveSync(new PutWait(this.#ring, stage, deadline ?? FOREVER, SPINS, "put"));
      }
    } finally {
      stage.release(this.capacity);
    }
  }

  /** Puts every item in order, in as few lock holds as the room allows; waits for room as `put` does. */
  putMany(items: Iterable<T>, options?: WaitOptions): void {
    const deadline = Deadline.from(options, `${this.#name}.putMany options`);
    const stage = this.#takeStage();
    try {
      this.#stageAll(stage, items, "putMany");
      while (stage.next < stage.records) {
        if (this.#ring.commit(stage, deadline) === 0) {
          driveSync(new PutWait(this.#ring, stage, deadline, SPINS, "putMany"));
        }
      }
    } finally {
      stage.release(this.capacity);
    }
  }

  /** Puts without waiting; `false` when there is no room. @throws ClosedError after close(). */
  tryPut(item: T): boolean {
    const stage = this.#takeStage();
    try {
      stage.encode(this.codec, item, this.capacity, `${this.#name}.tryPut`);
      return this.#ring.commit(stage) === 1;
    } finally {
      stage.release(this.capacity);
    }
  }

  /** Puts as many leading items as fit now, without waiting; returns how many. */
  tryPutMany(items: Iterable<T>): number {
    const stage = this.#takeStage();
    try {
      this.#stageAll(stage, items, "tryPutMany");
      return stage.records === 0 ? 0 : this.#ring.commit(stage);
    } finally {
      stage.release(this.capacity);
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
    // Its own stage: the queue's may be lent to a synchronous call while this one awaits.
    const stage = new Stage();
    stage.encode(this.codec, item, this.capacity, `${this.#name}.putAsync`);
    if (this.#ring.commit(stage, deadline) === 0) {
      await driveAsync(
        new PutWait(this.#ring, stage, deadline, ASYNC_SPINS, "putAsync"),
        deadline.signal,
      );
    }
  }

  /** `putMany` that never blocks the thread. */
  async putManyAsync(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, `${this.#name}.putManyAsync options`);
    const stage = new Stage();
    this.#stageAll(stage, items, "putManyAsync");
    while (stage.next < stage.records) {
      if (this.#ring.commit(stage, deadline) === 0) {
        const wait = new PutWait(this.#ring, stage, deadline, ASYNC_SPINS, "putManyAsync");
        await driveAsync(wait, deadline.signal);
      }
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
      if (this.#ring.take(scratch, 1, deadline) === 0) {
        driveSync(new GetWait(this.#ring, scratch, 1, deadline ?? FOREVER, SPINS, "get"));
      }
      return this.#decodeRecord(scratch, 0);
    } finally {
      scratch.release(this.capacity);
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
      let end = this.#ring.take(scratch, max, deadline);
      if (end === 0)
        end = driveSync(new GetWait(this.#ring, scratch, max, deadline, SPINS, "getMany"));
      return this.#decodeAll(scratch, end);
    } finally {
      scratch.release(this.capacity);
    }
  }

  /** Takes without waiting: `{ ok: true, value }` or `{ ok: false }`. @throws ClosedError once closed and drained. */
  tryGet(): TryGetResult<T> {
    const scratch = this.#takeScratch();
    try {
      if (this.#ring.take(scratch, 1) === 0) return { ok: false };
      return { ok: true, value: this.#decodeRecord(scratch, 0) };
    } finally {
      scratch.release(this.capacity);
    }
  }

  /** Takes up to `max` items without waiting (possibly none). @throws ClosedError once closed and drained. */
  tryGetMany(max: number): T[] {
    validateCount(max, "max", { min: 1 });
    const scratch = this.#takeScratch();
    try {
      return this.#decodeAll(scratch, this.#ring.take(scratch, max));
    } finally {
      scratch.release(this.capacity);
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
    if (this.#ring.readable()) return;
    if (driveSync(new ReadableWait(this.#ring, deadline, SPINS, "waitReadable")))
      passWakeOn(this.i32);
  }

  /** `waitReadable` that never blocks the thread (`signal` aborts it). */
  async waitReadableAsync(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, `${this.#name}.waitReadableAsync options`);
    if (this.#ring.readable()) return;
    const wait = new ReadableWait(this.#ring, deadline, ASYNC_SPINS, "waitReadableAsync");
    if (await driveAsync(wait, deadline.signal)) passWakeOn(this.i32);
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
    const scratch = this.#takeScratch();
    try {
      const end = this.#ring.take(scratch, max, deadline);
      if (end !== 0) return this.#decodeAll(scratch, end);
    } finally {
      scratch.release(this.capacity);
    }
    // Its own scratch: the queue's may be lent to a synchronous call while this one awaits.
    const own = new Scratch();
    const wait = new GetWait(this.#ring, own, max, deadline, ASYNC_SPINS, what);
    return this.#decodeAll(own, await driveAsync(wait, deadline.signal));
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
    return this.#ring.count();
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
    // Pairs with the store in RecordRing.close().
    return Atomics.load(this.i32, CLOSED) !== 0;
  }

  /**
   * Closes the queue for every thread: later puts throw ClosedError, blocked
   * producers wake with ClosedError, consumers drain what is left and then
   * get ClosedError. Calling it again does nothing.
   */
  close(): void {
    this.#ring.close();
  }

  // ---------------------------------------------------------------- internals

  #takeStage(): Stage {
    const stage = borrow(this.#stage, Stage);
    stage.reset();
    return stage;
  }

  #takeScratch(): Scratch {
    return borrow(this.#scratch, Scratch);
  }

  #stageAll(stage: Stage, items: Iterable<T>, what: string): void {
    if (items === null || typeof (items as Iterable<T>)[Symbol.iterator] !== "function") {
      throw new TypeError(`${this.#name}.${what}: items must be an iterable (an array of items)`);
    }
    const codec = this.codec;
    for (const item of items) stage.encode(codec, item, this.capacity, `${this.#name}.${what}`);
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

  /** Decodes the record at `position` of the scratch (its length was checked by the ring's take). */
  #decodeRecord(scratch: Scratch, position: number): T {
    const codec = this.codec;
    const start = position + RECORD_HEADER_BYTES;
    const end = start + (scratch.i32[position >> 2] as number);
    // decodeRange skips making a view per message.
    if (codec.decodeRange !== undefined) return codec.decodeRange(scratch.bytes, start, end);
    return codec.decode(scratch.bytes.subarray(start, end));
  }
}
