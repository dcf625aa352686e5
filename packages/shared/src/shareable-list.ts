/**
 * ShareableList: a fixed-length list of numbers, bigints, booleans, strings
 * and nulls in a named SharedMemory block (Python's
 * `multiprocessing.shared_memory.ShareableList`).
 *
 * ## Layout inside the block's data (`shm.buf`)
 *
 * | byte           | field          | legal values                                   | written by          |
 * |----------------|----------------|------------------------------------------------|---------------------|
 * | 0              | count          | number of items n ≥ 0                          | creator, once       |
 * | 4 + 8i         | type of item i | 0 null, 1 number, 2 bigint, 3 boolean, 4 string | set(i, v)           |
 * | 8 + 8i         | capacity of i  | bytes allotted to item i (multiple of 8, ≥ 8)  | creator, once       |
 * | 8 + 8n …       | item data      | float64, int64, 0/1, or [utf-8 length, utf-8]   | set(i, v)           |
 *
 * As in Python, each item's room is fixed at creation (a string gets its
 * UTF-8 length rounded up to 8, plus 4), so `set` of a longer string is a
 * RangeError; an item may change type when it fits. As in Python there is
 * no lock: a worker reading an item while another writes it may see a mix
 * (hold a Lock around writes that others read concurrently). Every header
 * word is bounds-checked before use.
 */
import { type Handle, InvalidHandleError, type Shareable } from "@sabkit/core";
import { defineKind, defineLayout, describe, registerKind } from "./core-internal.js";
import { SharedMemory, type SharedMemoryHandle } from "./shared-memory.js";

export type ShareableItem = number | bigint | boolean | string | null;

export interface ShareableListHandle extends Handle<"shareable-list"> {
  readonly shm: SharedMemoryHandle;
}

export const SHAREABLE_LIST_KIND = defineKind<ShareableListHandle>({
  kind: "shareable-list",
  version: 1,
  package: "@sabkit/shared",
  layout: defineLayout({ tag: "int32" }),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function typeOf(item: unknown, what: string): number {
  if (item === null) return 0;
  if (typeof item === "number") return 1;
  if (typeof item === "bigint") {
    if (item < -(2n ** 63n) || item >= 2n ** 63n) {
      throw new RangeError(`${what}: a bigint item must fit in 64 bits, got ${describe(item)}`);
    }
    return 2;
  }
  if (typeof item === "boolean") return 3;
  if (typeof item === "string") return 4;
  throw new TypeError(
    `${what}: items must be numbers, bigints, booleans, strings or null, got ${describe(item)}`,
  );
}

function roomFor(item: ShareableItem): number {
  return typeof item === "string"
    ? Math.max(8, 4 + Math.ceil(encoder.encode(item).length / 8) * 8)
    : 8;
}

/**
 * @example
 * ```ts
 * const list = ShareableList.create("config", [1, "two", 3n, true, null]);
 * list.set(0, 10);
 * const there = await ShareableList.attach("config"); // in another worker
 * ```
 */
export class ShareableList implements Shareable<ShareableListHandle> {
  static {
    registerKind(SHAREABLE_LIST_KIND.kind, { from: (handle) => ShareableList.from(handle) });
  }

  readonly shm: SharedMemory;
  readonly handle: ShareableListHandle;
  readonly #view: DataView;
  readonly #offsets: number[] = [];

  private constructor(shm: SharedMemory) {
    this.shm = shm;
    const buf = shm.buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.byteLength >= 4 ? this.#view.getInt32(0, true) : -1;
    if (n < 0 || 8 + 8 * n > buf.byteLength) this.#corrupted(`count ${n}`);
    let offset = 8 + 8 * n;
    for (let i = 0; i < n; i++) {
      const room = this.#view.getInt32(8 + 8 * i, true);
      if (room < 8 || room % 4 !== 0 || offset + room > buf.byteLength) {
        this.#corrupted(`item ${i} room ${room}`);
      }
      this.#offsets.push(offset);
      offset += room;
    }
    this.handle = SHAREABLE_LIST_KIND.makeHandle(shm.handle, { shm: shm.handle });
  }

  /** Creates a list in a new SharedMemory block named `name`. */
  static create(name: string, items: Iterable<ShareableItem>): ShareableList {
    const list = [...items];
    for (let i = 0; i < list.length; i++) typeOf(list[i], `ShareableList.create: items[${i}]`);
    const rooms = list.map(roomFor);
    const size = 8 + 8 * list.length + rooms.reduce((a, b) => a + b, 0);
    const shm = SharedMemory.create(name, size);
    const view = new DataView(shm.buf.buffer, shm.buf.byteOffset, shm.buf.byteLength);
    view.setInt32(0, list.length, true);
    for (let i = 0; i < rooms.length; i++) view.setInt32(8 + 8 * i, rooms[i] as number, true);
    const result = new ShareableList(shm);
    for (let i = 0; i < list.length; i++) result.set(i, list[i] as ShareableItem);
    return result;
  }

  /** Attaches the list in the block named `name` (async, see SharedMemory.attach). */
  static async attach(name: string, options?: { timeout?: number }): Promise<ShareableList> {
    return new ShareableList(await SharedMemory.attach(name, options));
  }

  /**
   * Revives a list from its handle (in any worker).
   *
   * @throws InvalidHandleError for a wrong kind or a corrupted block.
   */
  static from(handle: unknown): ShareableList {
    const h = SHAREABLE_LIST_KIND.validate(handle, "ShareableList.from(handle)");
    return new ShareableList(SharedMemory.from(h.shm));
  }

  get length(): number {
    return this.#offsets.length;
  }

  /** The item at `index` (negative counts from the end). */
  get(index: number): ShareableItem {
    const i = this.#index(index, "get");
    const view = this.#view;
    const offset = this.#offsets[i] as number;
    switch (view.getInt32(4 + 8 * i, true)) {
      case 0:
        return null;
      case 1:
        return view.getFloat64(offset, true);
      case 2:
        return view.getBigInt64(offset, true);
      case 3:
        return view.getUint8(offset) === 1;
      case 4: {
        const length = view.getInt32(offset, true);
        const room = view.getInt32(8 + 8 * i, true);
        if (length < 0 || length + 4 > room)
          this.#corrupted(`string length ${length} of item ${i}`);
        const buf = this.shm.buf;
        return decoder.decode(buf.slice(offset + 4, offset + 4 + length));
      }
      default:
        return this.#corrupted(`type of item ${i}`);
    }
  }

  /**
   * Replaces the item at `index`.
   *
   * @throws RangeError when it does not fit the room allotted at creation.
   */
  set(index: number, item: ShareableItem): void {
    const i = this.#index(index, "set");
    const type = typeOf(item, "ShareableList.set(index, item)");
    const view = this.#view;
    const offset = this.#offsets[i] as number;
    const room = view.getInt32(8 + 8 * i, true);
    if (type === 4) {
      const bytes = encoder.encode(item as string);
      if (bytes.length + 4 > room) {
        throw new RangeError(
          `ShareableList.set: item ${i} has room for ${room - 4} bytes of UTF-8 but the string needs ${bytes.length}; ` +
            "room is fixed at creation (create the list with a longer placeholder string)",
        );
      }
      view.setInt32(offset, bytes.length, true);
      this.shm.buf.set(bytes, offset + 4);
    } else if (type === 1) view.setFloat64(offset, item as number, true);
    else if (type === 2) view.setBigInt64(offset, item as bigint, true);
    else if (type === 3) view.setUint8(offset, item ? 1 : 0);
    view.setInt32(4 + 8 * i, type, true);
  }

  /** The number of items equal to `item`. */
  count(item: ShareableItem): number {
    return [...this].filter((x) => x === item).length;
  }

  /** The first index of `item`. @throws RangeError when absent. */
  index(item: ShareableItem): number {
    const at = [...this].indexOf(item);
    if (at === -1)
      throw new RangeError(`ShareableList.index: ${describe(item)} is not in the list`);
    return at;
  }

  *[Symbol.iterator](): IterableIterator<ShareableItem> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  #index(index: number, op: string): number {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(
        `ShareableList.${op}(index): index must be an integer, got ${describe(index)}`,
      );
    }
    const at = index < 0 ? index + this.length : index;
    if (at < 0 || at >= this.length) {
      throw new RangeError(
        `ShareableList.${op}(index): index ${index} is out of range for length ${this.length}`,
      );
    }
    return at;
  }

  #corrupted(detail: string): never {
    throw new InvalidHandleError(
      `ShareableList: block "${this.shm.name}" does not hold a valid list (${detail}): corrupted or not a ShareableList`,
    );
  }
}
