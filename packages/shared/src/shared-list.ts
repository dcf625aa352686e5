/**
 * SharedList: a list of codec-encoded items in shared memory (Python's
 * `Manager().list()`).
 *
 * The layout, growth and invariants are the store's (store.ts): slot `i`
 * of the table points at item `i`'s record; COUNT is the length. One Lock
 * from @sabkit/lock guards every operation (one CAS when free; its handle
 * travels in this handle). Items are encoded before taking the lock and
 * decoded after releasing it. `slice()` and iteration work on a snapshot
 * taken under the lock.
 */
import type { Codec, Handle, Shareable } from "@sabkit/core";
import { Lock, type LockHandle } from "@sabkit/lock";
import { checkCodec, resolveCodec } from "./codecs.js";
import { enter } from "./common.js";
import { defineKind, defineLayout, describe, registerKind } from "./core-internal.js";
import { allocateStore, EMPTY, Store, type StoreOptions } from "./store.js";

const LIST_LAYOUT = defineLayout({ tag: "int32", words: { type: "int32", length: 15 } });

export interface SharedListHandle extends Handle<"shared-list"> {
  readonly codec: string;
  readonly lock: LockHandle;
}

export const LIST_KIND = defineKind<SharedListHandle>({
  kind: "shared-list",
  version: 1,
  package: "@sabkit/shared",
  layout: LIST_LAYOUT,
});

/** Options of {@link SharedList}. */
export interface SharedListOptions<T> extends StoreOptions {
  /** How items become bytes (default core's structuredCodec). */
  codec?: Codec<T>;
}

const NO_KEY = new Uint8Array(0);
let reviving: { handle: SharedListHandle; codec?: unknown } | undefined;

/**
 * A list shared by workers.
 *
 * @example
 * ```ts
 * const results = new SharedList<number>();
 * results.push(42);                  // from any worker
 * results.slice();                   // [42]: a snapshot
 * ```
 */
export class SharedList<T = unknown> implements Shareable<SharedListHandle> {
  static {
    registerKind(LIST_KIND.kind, { from: (handle) => SharedList.from(handle) });
  }

  readonly handle: SharedListHandle;
  readonly codec: Codec<T>;
  readonly #lock: Lock;
  readonly #store: Store;

  /** @param items initial items. */
  constructor(items?: Iterable<T>, options?: SharedListOptions<T>) {
    const revived = reviving;
    reviving = undefined;
    if (revived !== undefined) {
      this.handle = revived.handle;
      this.codec = resolveCodec(
        revived.handle.codec,
        revived.codec,
        "SharedList.from(handle)",
      ) as Codec<T>;
      this.#lock = Lock.from(revived.handle.lock);
    } else {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          `new SharedList(items, options): options must be an object like { codec, byteLength }, got ${describe(options)}`,
        );
      }
      this.codec = checkCodec(options?.codec, "new SharedList(items, options)") as Codec<T>;
      const buffer = allocateStore(options, 64, "new SharedList(items, options)");
      LIST_KIND.writeTag(new Int32Array(buffer));
      this.#lock = new Lock({ name: "SharedList" });
      this.handle = LIST_KIND.makeHandle(
        { buffer, byteOffset: 0, byteLength: LIST_LAYOUT.byteLength },
        { codec: this.codec.name, lock: this.#lock.handle },
      );
    }
    LIST_KIND.checkTag(new Int32Array(this.handle.buffer, 0, 1), 0, "SharedList.from(handle)");
    this.#store = new Store(this.handle.buffer, false, "SharedList");
    this.#locked(() => undefined);
    if (items !== undefined) {
      if (items === null || typeof items !== "object" || !(Symbol.iterator in items)) {
        throw new TypeError(
          `new SharedList(items): items must be iterable, got ${describe(items)}`,
        );
      }
      for (const item of items) this.push(item);
    }
  }

  /**
   * Revives a SharedList from its handle (in any worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size, tag or codec.
   */
  static from<T = unknown>(handle: unknown, options?: { codec?: Codec<T> }): SharedList<T> {
    reviving = {
      handle: LIST_KIND.validate(handle, "SharedList.from(handle)"),
      codec: options?.codec,
    };
    try {
      return new SharedList<T>();
    } finally {
      reviving = undefined;
    }
  }

  /** Number of items (one atomic load, no lock). */
  get length(): number {
    // Pairs with the Atomics.store of COUNT in Store.setCount.
    return Atomics.load(this.#store.i32, 2);
  }

  /** The lock every operation takes: hold it to make several operations one step. */
  getLock(): Lock {
    return this.#lock;
  }

  /**
   * Appends items; returns the new length.
   *
   * @throws FullError when the list cannot grow to hold them (nothing appended).
   */
  push(...items: T[]): number {
    const encoded = items.map((item) => this.codec.encode(item).slice());
    return this.#locked((store) => {
      let total = 0;
      for (const bytes of encoded) total += Store.recordSize(0, bytes.length);
      store.reserve(total, false);
      for (let k = 0; k < encoded.length; k++) {
        const bytes = encoded[k] as Uint8Array;
        store.reserve(Store.recordSize(0, bytes.length), true);
        const offset = store.append(NO_KEY, 0, bytes, bytes.length);
        store.setSlot(store.count, 0, offset);
        store.setCount(store.count + 1);
      }
      store.touch();
      return store.count;
    });
  }

  /** Removes and returns the last item (or the item at `index`); undefined when empty. */
  pop(index?: number): T | undefined {
    const bytes = this.#locked((store) => {
      if (store.count === 0) return undefined;
      const at = index === undefined ? store.count - 1 : this.#index(index, store.count, "pop");
      const offset = store.recordAt(at);
      const out = store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset));
      store.addGarbage(store.sizeAt(offset));
      // Shift the later slots down by one.
      const base = 16 + at * 2;
      const end = 16 + store.count * 2;
      store.i32.copyWithin(base, base + 2, end);
      store.setSlot(store.count - 1, 0, EMPTY);
      store.setCount(store.count - 1);
      store.touch();
      return out;
    });
    return bytes === undefined ? undefined : this.codec.decode(bytes);
  }

  /**
   * The item at `index` (negative counts from the end, as in Python).
   *
   * @throws RangeError when out of range.
   */
  get(index: number): T {
    const bytes = this.#locked((store) => {
      const offset = store.recordAt(this.#index(index, store.count, "get"));
      return store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset));
    });
    return this.codec.decode(bytes);
  }

  /**
   * Replaces the item at `index` (negative counts from the end).
   *
   * @throws RangeError when out of range; FullError when it cannot grow.
   */
  set(index: number, item: T): void {
    const bytes = this.codec.encode(item);
    this.#locked((store) => {
      this.#index(index, store.count, "set");
      store.reserve(Store.recordSize(0, bytes.length), false);
      const at = this.#index(index, store.count, "set");
      store.addGarbage(store.sizeAt(store.recordAt(at)));
      store.setSlot(at, 0, store.append(NO_KEY, 0, bytes, bytes.length));
      store.touch();
    });
  }

  /** A snapshot of items `[start, end)` (Python slice bounds; default all). */
  slice(start?: number, end?: number): T[] {
    const raw = this.#locked((store) => {
      const n = store.count;
      const from = clampIndex(start ?? 0, n);
      const to = clampIndex(end ?? n, n);
      const out: Uint8Array[] = [];
      for (let i = from; i < to; i++) {
        const offset = store.recordAt(i);
        out.push(store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset)));
      }
      return out;
    });
    return raw.map((bytes) => this.codec.decode(bytes));
  }

  /** Removes every item. */
  clear(): void {
    this.#locked((store) => store.clear());
  }

  /** Iterates over a snapshot. */
  [Symbol.iterator](): IterableIterator<T> {
    return this.slice().values();
  }

  #index(index: number, length: number, op: string): number {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(
        `SharedList.${op}(index): index must be an integer, got ${describe(index)}`,
      );
    }
    const at = index < 0 ? index + length : index;
    if (at < 0 || at >= length) {
      throw new RangeError(
        `SharedList.${op}(index): index ${index} is out of range for a list of length ${length}`,
      );
    }
    return at;
  }

  #locked<R>(body: (store: Store) => R): R {
    enter(this.#lock, "SharedList");
    try {
      this.#store.check();
      return body(this.#store);
    } finally {
      this.#lock.release();
    }
  }
}

function clampIndex(index: number, length: number): number {
  if (typeof index !== "number" || Number.isNaN(index)) {
    throw new TypeError(`SharedList.slice: bounds must be numbers, got ${describe(index)}`);
  }
  const at = index < 0 ? index + length : index;
  return Math.max(0, Math.min(length, Math.trunc(at)));
}
