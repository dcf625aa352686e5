/**
 * The record store under SharedDict, Namespace and SharedList: a slot table
 * and a byte heap of codec-encoded records in one SharedArrayBuffer, every
 * access under the container's lock.
 *
 * ## Shared layout (Int32Array words; the table and the heap follow the header)
 *
 * | index / bytes          | field    | legal values                                       | written by              |
 * |------------------------|----------|----------------------------------------------------|-------------------------|
 * | 0                      | TAG      | the container's kind tag                           | creator, once           |
 * | 1                      | SLOTS    | power of two, 8 ≤ SLOTS, 64 + 8·SLOTS ≤ byteLength  | lock holder (rebuild)   |
 * | 2                      | COUNT    | live records (dict: entries; list: length)         | lock holder             |
 * | 3                      | USED     | dict: live + deleted slots, COUNT ≤ USED < SLOTS   | lock holder             |
 * | 4                      | TOP      | heap end in use: HEAP ≤ TOP ≤ byteLength           | lock holder             |
 * | 5                      | GARBAGE  | bytes of dead records in [HEAP, TOP)               | lock holder             |
 * | 6                      | VERSION  | changes on every write (wraps)                     | lock holder             |
 * | bytes 64 … HEAP        | table    | SLOTS × [hash, offset]: offset 0 = empty, -1 =     | lock holder             |
 * |                        |          | deleted, else a record's byte offset in the heap   |                         |
 * | bytes HEAP … TOP       | heap     | records [keyLen, valueLen, key bytes, value bytes] | lock holder             |
 * |                        |          | padded to 4 bytes; HEAP = 64 + 8·SLOTS             |                         |
 *
 * ## Transitions (all under the lock)
 *
 * - write: append a record at TOP (TOP += its size), point the slot at it;
 *   the record it replaces becomes GARBAGE.
 * - delete (dict): slot offset -> -1, COUNT -= 1, GARBAGE += record size.
 * - rebuild, when the table is too full (dict: USED + 1 > 3/4 SLOTS; list:
 *   COUNT = SLOTS) or the heap has no room: copy the live records out, double
 *   SLOTS if needed, grow the buffer if needed (a growable SharedArrayBuffer:
 *   every worker's length-tracking views see the new length), then lay the
 *   table and the records out again (no garbage, no deleted slots). When the
 *   buffer cannot grow (fixed buffer, or maxByteLength reached) the write
 *   fails with FullError and nothing changes.
 *
 * ## Invariants and ordering
 *
 * Every read and write of the table, heap and header words except COUNT
 * happens while holding the lock, whose acquire/release (Atomics in
 * @sabkit/lock) order them: no reader ever sees a half-written record or a
 * table in the middle of a rebuild. COUNT is also stored with Atomics.store
 * so `size`/`length` can read it without the lock.
 *
 * Shared memory is untrusted: the header is read once per operation and
 * checked (SLOTS a power of two inside the buffer, TOP inside the heap,
 * COUNT ≤ SLOTS), every record offset and length is bounds-checked before
 * use, and every probe loop is bounded by SLOTS. A violation is an
 * InvalidHandleError ("corrupted"), never an out-of-bounds read or a hang.
 */
import { FullError, InvalidHandleError } from "@sabkit/core";

export const HEADER_BYTES = 64;
export const TAG = 0;
export const SLOTS = 1;
export const COUNT = 2;
export const USED = 3;
export const TOP = 4;
export const GARBAGE = 5;
export const VERSION = 6;
export const EMPTY = 0;
export const DELETED = -1;
export const MIN_SLOTS = 8;

/** `true` where `new SharedArrayBuffer(n, { maxByteLength })` makes a growable buffer. */
export const CAN_GROW =
  typeof SharedArrayBuffer === "function" &&
  typeof (SharedArrayBuffer.prototype as { grow?: unknown }).grow === "function";

/** Options of the containers' memory. */
export interface StoreOptions {
  /** Initial bytes of shared memory (default 64 KiB). */
  byteLength?: number;
  /**
   * Bytes the container may grow to (default 64 MiB) where growable
   * SharedArrayBuffers exist; elsewhere it stays at `byteLength` and a write
   * that does not fit is a FullError.
   */
  maxByteLength?: number;
}

export function allocateStore(
  options: StoreOptions | undefined,
  initialSlots: number,
  what: string,
): SharedArrayBuffer {
  const byteLength = checkBytes(options?.byteLength, 64 * 1024, `${what}: byteLength`);
  let max = checkBytes(options?.maxByteLength, 64 * 1024 * 1024, `${what}: maxByteLength`);
  if (byteLength < HEADER_BYTES + initialSlots * 8 + 64) {
    throw new RangeError(
      `${what}: byteLength must be at least ${HEADER_BYTES + initialSlots * 8 + 64}, got ${byteLength}`,
    );
  }
  if (max < byteLength) max = byteLength;
  const buffer = CAN_GROW
    ? new (
        SharedArrayBuffer as unknown as new (
          n: number,
          o: { maxByteLength: number },
        ) => SharedArrayBuffer
      )(byteLength, { maxByteLength: max })
    : new SharedArrayBuffer(byteLength);
  const i32 = new Int32Array(buffer);
  i32[SLOTS] = initialSlots;
  i32[TOP] = HEADER_BYTES + initialSlots * 8;
  return buffer;
}

function checkBytes(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 256 || value > 2 ** 31 - 8) {
    throw new RangeError(`${name} must be an integer from 256 to 2^31 - 8, got ${String(value)}`);
  }
  return Math.ceil(value / 8) * 8;
}

/** One live record found during a rebuild. */
interface Moved {
  slot: number;
  hash: number;
  start: number; // offset in the copy
  size: number;
}

/** Access to one container's store; call every method while holding the lock. */
export class Store {
  readonly buffer: SharedArrayBuffer;
  i32: Int32Array;
  u8: Uint8Array;
  readonly hashed: boolean;
  readonly what: string;
  // Header as read by the last check().
  slots = 0;
  heap = 0;
  top = 0;
  count = 0;

  constructor(buffer: SharedArrayBuffer, hashed: boolean, what: string) {
    this.buffer = buffer;
    // Fixed-length views, remade when the buffer has grown (V8's
    // length-tracking views are an order of magnitude slower to index).
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    this.u8 = new Uint8Array(buffer, 0, buffer.byteLength);
    this.hashed = hashed;
    this.what = what;
  }

  /** Reads and checks the header (once per operation). */
  check(): void {
    const length = this.buffer.byteLength;
    if (length !== this.u8.length) {
      this.i32 = new Int32Array(this.buffer, 0, length >> 2);
      this.u8 = new Uint8Array(this.buffer, 0, length);
    }
    const i32 = this.i32;
    const byteLength = this.u8.length;
    const slots = i32[SLOTS] as number;
    const heap = HEADER_BYTES + slots * 8;
    const top = i32[TOP] as number;
    const count = i32[COUNT] as number;
    const used = i32[USED] as number;
    if (
      slots < MIN_SLOTS ||
      (slots & (slots - 1)) !== 0 ||
      heap > byteLength ||
      top < heap ||
      top > byteLength ||
      count < 0 ||
      count > slots ||
      (this.hashed && (used < count || used > slots))
    ) {
      this.corrupted(`header SLOTS=${slots} COUNT=${count} USED=${used} TOP=${top}`);
    }
    this.slots = slots;
    this.heap = heap;
    this.top = top;
    this.count = count;
  }

  corrupted(detail: string): never {
    throw new InvalidHandleError(
      `${this.what}: the shared memory is corrupted (${detail}, buffer ${this.u8.length} bytes); ` +
        "it was written by something other than this container: recreate it",
    );
  }

  /** The record offset in `slot` (EMPTY, DELETED or a checked offset). */
  recordAt(slot: number): number {
    const offset = this.i32[(HEADER_BYTES >> 2) + slot * 2 + 1] as number;
    if (offset === EMPTY || offset === DELETED) return offset;
    if (offset < this.heap || offset + 8 > this.top || (offset & 3) !== 0) {
      this.corrupted(`slot ${slot} points at ${offset}`);
    }
    const keyLength = this.i32[offset >> 2] as number;
    const valueLength = this.i32[(offset >> 2) + 1] as number;
    if (keyLength < 0 || valueLength < 0 || offset + 8 + keyLength + valueLength > this.top) {
      this.corrupted(`record at ${offset} has lengths ${keyLength}/${valueLength}`);
    }
    return offset;
  }

  hashAt(slot: number): number {
    return this.i32[(HEADER_BYTES >> 2) + slot * 2] as number;
  }

  keyLength(offset: number): number {
    return this.i32[offset >> 2] as number;
  }

  valueLength(offset: number): number {
    return this.i32[(offset >> 2) + 1] as number;
  }

  /** Bytes a record of these lengths takes. */
  static recordSize(keyLength: number, valueLength: number): number {
    return 8 + ((keyLength + valueLength + 3) & ~3);
  }

  sizeAt(offset: number): number {
    return Store.recordSize(this.keyLength(offset), this.valueLength(offset));
  }

  /**
   * Dict: the slot holding `key`, or -(slot + 1) for where to insert it
   * (the first deleted slot on the probe path, else the empty slot ending it).
   */
  find(key: Uint8Array, keyLength: number, hash: number): number {
    const mask = this.slots - 1;
    const u8 = this.u8;
    let insertAt = -1;
    let slot = hash & mask;
    for (let probes = 0; probes < this.slots; probes++, slot = (slot + 1) & mask) {
      const offset = this.recordAt(slot);
      if (offset === EMPTY) return -((insertAt === -1 ? slot : insertAt) + 1);
      if (offset === DELETED) {
        if (insertAt === -1) insertAt = slot;
        continue;
      }
      if (this.hashAt(slot) !== hash || this.keyLength(offset) !== keyLength) continue;
      let same = true;
      const start = offset + 8;
      for (let i = 0; i < keyLength; i++) {
        if (u8[start + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
    if (insertAt !== -1) return -(insertAt + 1);
    return this.corrupted("a table with no empty slot");
  }

  /**
   * Makes room for one record of `size` bytes (and, with `newSlot`, one more
   * slot): rebuilds and grows when needed. Re-reads the header after a rebuild.
   *
   * @throws FullError when the buffer cannot hold it (nothing changed).
   */
  reserve(size: number, newSlot: boolean): void {
    const i32 = this.i32;
    const tableFull = this.hashed
      ? newSlot && ((i32[USED] as number) + 1) * 4 > this.slots * 3
      : newSlot && this.count + 1 > this.slots;
    if (!tableFull && this.top + size <= this.u8.length) return;
    this.rebuild(size, newSlot ? this.count + 1 : this.count);
    this.check();
  }

  /** Appends a record at TOP; returns its offset (room was reserved). */
  append(key: Uint8Array, keyLength: number, value: Uint8Array, valueLength: number): number {
    const offset = this.top;
    const i32 = this.i32;
    i32[offset >> 2] = keyLength;
    i32[(offset >> 2) + 1] = valueLength;
    this.u8.set(key.subarray(0, keyLength), offset + 8);
    this.u8.set(value.subarray(0, valueLength), offset + 8 + keyLength);
    this.top = offset + Store.recordSize(keyLength, valueLength);
    i32[TOP] = this.top;
    return offset;
  }

  setSlot(slot: number, hash: number, offset: number): void {
    const at = (HEADER_BYTES >> 2) + slot * 2;
    this.i32[at] = hash;
    this.i32[at + 1] = offset;
  }

  addGarbage(bytes: number): void {
    this.i32[GARBAGE] = (this.i32[GARBAGE] as number) + bytes;
  }

  setCount(count: number): void {
    this.count = count;
    // Publishes the count to the lock-free Atomics.load in size/length.
    Atomics.store(this.i32, COUNT, count);
  }

  touch(): void {
    this.i32[VERSION] = ((this.i32[VERSION] as number) + 1) | 0;
  }

  /** Empties the store (keeps its size). */
  clear(): void {
    this.i32.fill(0, HEADER_BYTES >> 2, (HEADER_BYTES >> 2) + this.slots * 2);
    this.i32[USED] = 0;
    this.i32[GARBAGE] = 0;
    this.top = this.heap;
    this.i32[TOP] = this.heap;
    this.setCount(0);
    this.touch();
  }

  #rebuild: Moved[] = [];

  private rebuild(extraBytes: number, liveAfter: number): void {
    let slots = this.slots;
    if (this.hashed) {
      while (liveAfter * 2 > slots) slots *= 2;
    } else {
      while (liveAfter > slots) slots *= 2;
    }
    const live = this.top - this.heap - (this.i32[GARBAGE] as number);
    const heap = HEADER_BYTES + slots * 8;
    const required = heap + Math.max(0, live) + extraBytes;
    const buffer = this.buffer as SharedArrayBuffer & {
      grow?: (n: number) => void;
      maxByteLength?: number;
      growable?: boolean;
    };
    if (required > buffer.byteLength) {
      const max = buffer.growable === true ? (buffer.maxByteLength as number) : buffer.byteLength;
      if (required > max) {
        throw new FullError(
          `${this.what}: no room for ${extraBytes} more bytes: ${this.count} items use ${live} bytes of a ` +
            `${max}-byte maximum` +
            (buffer.growable === true
              ? "; create it with a larger maxByteLength"
              : " (this platform has no growable SharedArrayBuffer); create it with a larger byteLength"),
        );
      }
      const target = Math.min(max, Math.max(required, buffer.byteLength * 2));
      (buffer.grow as (n: number) => void).call(buffer, Math.ceil(target / 8) * 8);
      this.i32 = new Int32Array(buffer, 0, buffer.byteLength >> 2);
      this.u8 = new Uint8Array(buffer, 0, buffer.byteLength);
    }
    // Copy the live records out, in slot order.
    const moved = this.#rebuild;
    moved.length = 0;
    const copy = new Uint8Array(Math.max(0, live));
    let used = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      const offset = this.recordAt(slot);
      if (offset === EMPTY || offset === DELETED) continue;
      const size = this.sizeAt(offset);
      if (used + size > copy.length) this.corrupted("GARBAGE larger than the dead records");
      copy.set(this.u8.subarray(offset, offset + size), used);
      moved.push({ slot, hash: this.hashAt(slot), start: used, size });
      used += size;
    }
    // Lay out the new table and heap.
    const i32 = this.i32;
    i32.fill(0, HEADER_BYTES >> 2, (HEADER_BYTES >> 2) + slots * 2);
    i32[SLOTS] = slots;
    this.slots = slots;
    this.heap = heap;
    this.u8.set(copy, heap);
    const mask = slots - 1;
    for (const record of moved) {
      let slot = this.hashed ? record.hash & mask : record.slot;
      if (this.hashed) {
        while (i32[(HEADER_BYTES >> 2) + slot * 2 + 1] !== EMPTY) slot = (slot + 1) & mask;
      }
      this.setSlot(slot, record.hash, heap + record.start);
    }
    moved.length = 0;
    i32[USED] = this.hashed ? this.count : 0;
    i32[GARBAGE] = 0;
    i32[TOP] = heap + used;
    this.top = heap + used;
    this.touch();
  }
}
