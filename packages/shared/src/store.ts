/**
 * The record store under SharedDict, Namespace and SharedList: an entry
 * table (plus, for a dict, a hash index into it) and a byte heap of
 * codec-encoded records in one SharedArrayBuffer, every access under the
 * container's lock.
 *
 * ## Shared layout (Int32Array words; the tables and the heap follow the header)
 *
 * | index / bytes          | field    | legal values                                       | written by              |
 * |------------------------|----------|----------------------------------------------------|-------------------------|
 * | 0                      | TAG      | the container's kind tag                           | creator, once           |
 * | 1                      | SLOTS    | power of two, 8 ≤ SLOTS, HEAP ≤ byteLength         | lock holder (rebuild)   |
 * | 2                      | COUNT    | live records (dict: entries; list: length)         | lock holder             |
 * | 3                      | USED     | dict: entries used, live or deleted, in insertion  | lock holder             |
 * |                        |          | order: COUNT ≤ USED ≤ CAP; list: 0                 |                         |
 * | 4                      | TOP      | heap end in use: HEAP ≤ TOP ≤ byteLength           | lock holder             |
 * | 5                      | GARBAGE  | bytes of dead records in [HEAP, TOP)               | lock holder             |
 * | 6                      | VERSION  | changes on every write (wraps)                     | lock holder             |
 * | 7                      | BROKEN   | 0; 1 once validate() found damage it cannot repair | lock holder (recovery)  |
 * | 8                      | REBUILDING | 0; 1 while a rebuild rewrites the tables and heap | lock holder (rebuild)   |
 * | bytes 64 … 64 + 4·SLOTS| index    | dict only: SLOTS words: 0 = empty, -1 = deleted,   | lock holder             |
 * |                        |          | k ≥ 1 = entry k - 1 (open addressing)              |                         |
 * | then, to HEAP          | entries  | CAP × [hash, offset]: offset 0 = empty, -1 =       | lock holder             |
 * |                        |          | deleted, else a record's byte offset in the heap;  |                         |
 * |                        |          | dict: CAP = 3/4·SLOTS, entries in insertion order; |                         |
 * |                        |          | list: CAP = SLOTS, entry i is item i               |                         |
 * | bytes HEAP … TOP       | heap     | records [keyLen, valueLen, key bytes, value bytes] | lock holder             |
 * |                        |          | padded to 4 bytes; HEAP = 64 + 10·SLOTS (dict) or  |                         |
 * |                        |          | 64 + 8·SLOTS (list)                                |                         |
 *
 * The dict is CPython's compact dict: a hash index of small words pointing
 * into an insertion-ordered entries array, so iteration is insertion order
 * (a deleted and re-inserted key goes to the end, as in Python and Map).
 *
 * ## Transitions (all under the lock)
 *
 * - write: append a record at TOP (TOP += its size), point the entry at it
 *   (an existing key keeps its entry, so its position); the record it
 *   replaces becomes GARBAGE.
 * - insert (dict): entry USED gets [hash, record], the empty index slot
 *   ending the probe gets USED + 1, USED += 1, COUNT += 1. Deleted index
 *   slots are not reused (as CPython): USED counts them until a rebuild.
 * - delete (dict): the entry's offset -> -1, its index slot -> -1,
 *   COUNT -= 1, GARBAGE += record size.
 * - rebuild, when the tables are too full (dict: USED + 1 > CAP; list:
 *   COUNT = SLOTS) or the heap has no room: copy the live records out in
 *   entry order, double SLOTS if needed, grow the buffer if needed (a
 *   growable SharedArrayBuffer: every worker's length-tracking views see the
 *   new length), then lay the tables and the records out again (entries
 *   compacted in the same order, no garbage, no deleted slots). When the
 *   buffer cannot grow (fixed buffer, or maxByteLength reached) the write
 *   fails with FullError and nothing changes. REBUILDING is 1 from the
 *   first word the rebuild rewrites in place to the last.
 *
 * ## Invariants and ordering
 *
 * Every read and write of the tables, heap and header words except COUNT
 * happens while holding the lock, whose acquire/release (Atomics in
 * @sabkit/lock) order them: no reader ever sees a half-written record or a
 * table in the middle of a rebuild. COUNT is also stored with Atomics.store
 * so `size`/`length` can read it without the lock.
 *
 * Shared memory is untrusted: the header is read once per operation and
 * checked (SLOTS a power of two with its tables inside the buffer, TOP
 * inside the heap, COUNT ≤ USED ≤ CAP), every index word, entry, record
 * offset and length is bounds-checked before use, and every probe loop is
 * bounded by SLOTS. A violation is an InvalidHandleError ("corrupted"),
 * never an out-of-bounds read or a hang. A worker that dies holding the lock
 * is handled by the containers (see common.ts `underLock` and validate()).
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
export const BROKEN = 7;
export const REBUILDING = 8;
export const EMPTY = 0;
export const DELETED = -1;
export const MIN_SLOTS = 8;
const INDEX = HEADER_BYTES >> 2;
/** Bytes of a record's two length words (keyLen, valueLen) before its key bytes. */
export const RECORD_HEADER_BYTES = 8;

/** HEAP for a store of `slots` slots. */
export function heapStart(slots: number, hashed: boolean): number {
  return HEADER_BYTES + slots * (hashed ? 10 : 8);
}

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
  hashed: boolean,
  what: string,
): SharedArrayBuffer {
  const byteLength = checkBytes(options?.byteLength, 64 * 1024, `${what}: byteLength`);
  let max = checkBytes(options?.maxByteLength, 64 * 1024 * 1024, `${what}: maxByteLength`);
  const minimum = heapStart(initialSlots, hashed) + 64;
  if (byteLength < minimum) {
    throw new RangeError(`${what}: byteLength must be at least ${minimum}, got ${byteLength}`);
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
  i32[TOP] = heapStart(initialSlots, hashed);
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
  /** Entries in use: dict USED, list COUNT. */
  used = 0;
  /** Entries the table holds: dict 3/4·SLOTS, list SLOTS. */
  cap = 0;
  /** Word index of entry 0 (after the dict's index). */
  base = INDEX;
  /** The index slot of the entry the last successful find() returned. */
  foundSlot = -1;

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
    const hashed = this.hashed;
    const heap = heapStart(slots, hashed);
    const cap = hashed ? (slots >> 2) * 3 : slots;
    const top = i32[TOP] as number;
    const count = i32[COUNT] as number;
    const used = i32[USED] as number;
    if (i32[BROKEN] !== 0) {
      this.corrupted("marked broken after a worker died holding the lock mid-write");
    }
    if (
      slots < MIN_SLOTS ||
      slots > 2 ** 27 ||
      (slots & (slots - 1)) !== 0 ||
      heap > byteLength ||
      top < heap ||
      top > byteLength ||
      count < 0 ||
      count > cap ||
      (hashed ? used < count || used > cap : used !== 0)
    ) {
      this.corrupted(`header SLOTS=${slots} COUNT=${count} USED=${used} TOP=${top}`);
    }
    this.slots = slots;
    this.heap = heap;
    this.top = top;
    this.count = count;
    this.cap = cap;
    this.used = hashed ? used : count;
    this.base = hashed ? INDEX + slots : INDEX;
  }

  corrupted(detail: string): never {
    throw new InvalidHandleError(
      `${this.what}: the shared memory is corrupted (${detail}, buffer ${this.u8.length} bytes); ` +
        "it was written by something other than this container: recreate it",
    );
  }

  /** The record offset of `entry` (EMPTY, DELETED or a checked offset). */
  recordAt(entry: number): number {
    const offset = this.i32[this.base + entry * 2 + 1] as number;
    if (offset === EMPTY || offset === DELETED) return offset;
    if (offset < this.heap || offset + RECORD_HEADER_BYTES > this.top || (offset & 3) !== 0) {
      this.corrupted(`entry ${entry} points at ${offset}`);
    }
    const keyLength = this.i32[offset >> 2] as number;
    const valueLength = this.i32[(offset >> 2) + 1] as number;
    if (
      keyLength < 0 ||
      valueLength < 0 ||
      offset + RECORD_HEADER_BYTES + keyLength + valueLength > this.top
    ) {
      this.corrupted(`record at ${offset} has lengths ${keyLength}/${valueLength}`);
    }
    return offset;
  }

  hashAt(entry: number): number {
    return this.i32[this.base + entry * 2] as number;
  }

  keyLength(offset: number): number {
    return this.i32[offset >> 2] as number;
  }

  valueLength(offset: number): number {
    return this.i32[(offset >> 2) + 1] as number;
  }

  /** Byte offset of the key of the record at `offset` (checked by recordAt). */
  keyStart(offset: number): number {
    return offset + RECORD_HEADER_BYTES;
  }

  /** Byte offset of the value of the record at `offset` (after its key). */
  valueStart(offset: number): number {
    return offset + RECORD_HEADER_BYTES + this.keyLength(offset);
  }

  /** A private copy of the value bytes of the record at `offset`, to decode after the lock is released. */
  valueBytes(offset: number): Uint8Array {
    const start = this.valueStart(offset);
    return this.u8.slice(start, start + this.valueLength(offset));
  }

  /** `true` when the value of the record at `offset` is exactly `bytes`. */
  valueEquals(offset: number, bytes: Uint8Array): boolean {
    const length = this.valueLength(offset);
    if (length !== bytes.length) return false;
    const u8 = this.u8;
    const start = this.valueStart(offset);
    for (let i = 0; i < length; i++) if (u8[start + i] !== bytes[i]) return false;
    return true;
  }

  /** Bytes a record of these lengths takes. */
  static recordSize(keyLength: number, valueLength: number): number {
    return RECORD_HEADER_BYTES + ((keyLength + valueLength + 3) & ~3);
  }

  sizeAt(offset: number): number {
    return Store.recordSize(this.keyLength(offset), this.valueLength(offset));
  }

  /**
   * Dict: the entry holding `key` (its index slot in `foundSlot`), or
   * -(slot + 1) for the empty index slot where to insert it.
   */
  find(key: Uint8Array, keyLength: number, hash: number): number {
    const mask = this.slots - 1;
    const u8 = this.u8;
    const i32 = this.i32;
    const used = this.used;
    let slot = hash & mask;
    for (let probes = 0; probes < this.slots; probes++, slot = (slot + 1) & mask) {
      const ix = i32[INDEX + slot] as number;
      if (ix === 0) return -(slot + 1);
      if (ix === DELETED) continue;
      const entry = ix - 1;
      if (entry < 0 || entry >= used) this.corrupted(`index slot ${slot} holds ${ix}`);
      if (this.hashAt(entry) !== hash) continue;
      const offset = this.recordAt(entry);
      if (offset === EMPTY || offset === DELETED) {
        this.corrupted(`index slot ${slot} points at deleted entry ${entry}`);
      }
      if (this.keyLength(offset) !== keyLength) continue;
      let same = true;
      const start = this.keyStart(offset);
      for (let i = 0; i < keyLength; i++) {
        if (u8[start + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.foundSlot = slot;
        return entry;
      }
    }
    return this.corrupted("an index with no empty slot");
  }

  /** Dict: a new entry for a record at `offset`, indexed at the empty `slot` find() returned. */
  insert(slot: number, hash: number, offset: number): void {
    const entry = this.used;
    // In this order, so a worker dying between two steps leaves what validate() repairs.
    this.setEntry(entry, hash, offset);
    this.used = entry + 1;
    this.i32[USED] = entry + 1;
    this.i32[INDEX + slot] = entry + 1;
    this.setCount(this.count + 1);
  }

  /** Dict: deletes `entry` (found at index `slot`); its record becomes garbage. */
  remove(slot: number, entry: number): void {
    this.addGarbage(this.sizeAt(this.recordAt(entry)));
    this.setEntry(entry, 0, DELETED);
    this.i32[INDEX + slot] = DELETED;
    this.setCount(this.count - 1);
  }

  /**
   * Makes room for one record of `size` bytes (and, with `newSlot`, one more
   * slot): rebuilds and grows when needed. Re-reads the header after a rebuild.
   *
   * @throws FullError when the buffer cannot hold it (nothing changed).
   */
  reserve(size: number, newSlot: boolean): void {
    const tableFull = newSlot && this.used + 1 > this.cap;
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
    this.u8.set(key.subarray(0, keyLength), this.keyStart(offset));
    this.u8.set(value.subarray(0, valueLength), this.valueStart(offset));
    this.top = offset + Store.recordSize(keyLength, valueLength);
    i32[TOP] = this.top;
    return offset;
  }

  /** Rewrites the value of the record at `offset` in place (`bytes` takes the same room, see sizeAt). */
  overwriteValue(offset: number, bytes: Uint8Array): void {
    this.i32[(offset >> 2) + 1] = bytes.length;
    this.u8.set(bytes, this.valueStart(offset));
  }

  setEntry(entry: number, hash: number, offset: number): void {
    const at = this.base + entry * 2;
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
    this.i32.fill(0, INDEX, this.heap >> 2);
    this.i32[USED] = 0;
    this.used = 0;
    this.i32[GARBAGE] = 0;
    this.top = this.heap;
    this.i32[TOP] = this.heap;
    this.setCount(0);
    this.touch();
  }

  /**
   * After a worker died holding the lock (this thread holds it now): checks
   * the whole store and repairs what a death between two steps of a write
   * leaves behind — an index slot still pointing at an entry just deleted,
   * an entry added but not yet indexed, a dict COUNT that lags its live
   * entries, GARBAGE missing a record appended but never linked. Anything
   * else (a record out of bounds, an index word pointing past USED or twice
   * at one entry: foreign writes) marks the store BROKEN: every later
   * operation is an InvalidHandleError. So does a death in the middle of a
   * rebuild (REBUILDING still 1): the tables and heap are then half old, half
   * new, and whatever validate() could make of them might silently miss
   * entries, so the store is not trusted at all. The same for two entries
   * holding one record (a list's insert, remove or sort that died with its
   * entries half moved). A list entry written past COUNT (a push or insert
   * that died before counting its item) is counted.
   */
  // One pass, kept whole: every check of a store left by a dead writer reads
  // the same header snapshot, and the order of the checks is the argument
  // above; split, that order would be spread over several functions.
  validate(): void {
    try {
      if (this.i32[REBUILDING] !== 0) {
        this.corrupted(
          "a worker died in the middle of reorganizing the tables (a rebuild), so its entries cannot be trusted",
        );
      }
      this.check();
      const i32 = this.i32;
      // List: entries past COUNT are EMPTY, except when a push or an insert died after writing
      // its entries and before counting its item: count it (the write is finished; otherwise an
      // insert would have dropped the list's last item).
      if (!this.hashed && this.count < this.slots && this.recordAt(this.count) !== EMPTY) {
        this.setCount(this.count + 1);
        this.used = this.count;
      }
      let live = 0;
      let liveBytes = 0;
      const offsets = new Int32Array(this.used);
      for (let entry = 0; entry < this.used; entry++) {
        const offset = this.recordAt(entry);
        if (offset === EMPTY || (offset === DELETED && !this.hashed)) {
          this.corrupted(`entry ${entry} of ${this.used} is empty`);
        }
        if (offset === DELETED) continue;
        offsets[live++] = offset;
        liveBytes += this.sizeAt(offset);
      }
      // Two entries on one record: a list's insert, remove or sort died with its entries half
      // shifted (one item would be seen twice, another lost), or foreign writes.
      const sorted = offsets.subarray(0, live).sort();
      for (let k = 1; k < live; k++) {
        if (sorted[k] === sorted[k - 1]) {
          this.corrupted(
            `two entries hold the record at ${sorted[k]}: a worker died in the middle of moving the entries (insert, remove or sort)`,
          );
        }
      }
      if (this.hashed) {
        const seen = new Uint8Array(this.used);
        let empty = 0;
        for (let slot = 0; slot < this.slots; slot++) {
          const ix = i32[INDEX + slot] as number;
          if (ix === 0) empty++;
          if (ix <= 0) continue;
          const entry = ix - 1;
          if (entry >= this.used || seen[entry] === 1)
            this.corrupted(`index slot ${slot} holds ${ix}`);
          seen[entry] = 1;
          // Died between the two steps of a delete: finish it.
          if (this.recordAt(entry) === DELETED) i32[INDEX + slot] = DELETED;
        }
        if (empty === 0) this.corrupted("an index with no empty slot");
        // Died between adding an entry and indexing it: index it (its key was absent).
        const mask = this.slots - 1;
        for (let entry = 0; entry < this.used; entry++) {
          if (seen[entry] === 1 || this.recordAt(entry) === DELETED) continue;
          let slot = this.hashAt(entry) & mask;
          for (let probes = 0; i32[INDEX + slot] !== 0; probes++, slot = (slot + 1) & mask) {
            if (probes === this.slots) this.corrupted("an index with no empty slot");
          }
          i32[INDEX + slot] = entry + 1;
        }
        // Died between unlinking an entry and counting it.
        if (live !== this.count) this.setCount(live);
      }
      const garbage = this.top - this.heap - liveBytes;
      if (garbage < 0)
        this.corrupted(`live records of ${liveBytes} bytes in a heap of ${this.top - this.heap}`);
      i32[GARBAGE] = garbage;
      this.touch();
    } catch (error) {
      this.i32[BROKEN] = 1;
      throw error;
    }
  }

  #rebuild: Moved[] = [];

  // Kept whole: the rebuild is one recoverable multi-word update (see the
  // layout table), and its steps are ordered for a writer that dies between
  // any two of them.
  private rebuild(extraBytes: number, liveAfter: number): void {
    let slots = this.slots;
    if (this.hashed) {
      while (liveAfter * 2 > slots) slots *= 2;
    } else {
      while (liveAfter > slots) slots *= 2;
    }
    const live = this.top - this.heap - (this.i32[GARBAGE] as number);
    const heap = heapStart(slots, this.hashed);
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
    // Copy the live records out, in entry order.
    const moved = this.#rebuild;
    moved.length = 0;
    const copy = new Uint8Array(Math.max(0, live));
    let used = 0;
    for (let entry = 0; entry < this.used; entry++) {
      const offset = this.recordAt(entry);
      if (offset === EMPTY || offset === DELETED) continue;
      const size = this.sizeAt(offset);
      if (used + size > copy.length) this.corrupted("GARBAGE larger than the dead records");
      copy.set(this.u8.subarray(offset, offset + size), used);
      moved.push({ hash: this.hashAt(entry), start: used, size });
      used += size;
    }
    if (moved.length !== this.count)
      this.corrupted(`COUNT=${this.count} with ${moved.length} live entries`);
    // Lay out the new tables and heap. From here to the end the store is half old, half new:
    // a holder that dies in between leaves REBUILDING set, and validate() says so. (Plain
    // stores: every reader takes the lock, whose release orders them.)
    const i32 = this.i32;
    i32[REBUILDING] = 1;
    i32.fill(0, INDEX, heap >> 2);
    i32[SLOTS] = slots;
    this.slots = slots;
    this.heap = heap;
    this.base = this.hashed ? INDEX + slots : INDEX;
    this.cap = this.hashed ? (slots >> 2) * 3 : slots;
    this.u8.set(copy, heap);
    const mask = slots - 1;
    for (let entry = 0; entry < moved.length; entry++) {
      const record = moved[entry] as Moved;
      this.setEntry(entry, record.hash, heap + record.start);
      if (this.hashed) {
        let slot = record.hash & mask;
        // Bounded: at most 3/4 of the slots are taken.
        while (i32[INDEX + slot] !== 0) slot = (slot + 1) & mask;
        i32[INDEX + slot] = entry + 1;
      }
    }
    this.used = this.hashed ? moved.length : this.count;
    moved.length = 0;
    i32[USED] = this.hashed ? this.count : 0;
    i32[GARBAGE] = 0;
    i32[TOP] = heap + used;
    this.top = heap + used;
    i32[REBUILDING] = 0;
    this.touch();
  }
}
