/**
 * SharedList: a list of codec-encoded items in shared memory (Python's
 * `Manager().list()`).
 *
 * The layout, growth and invariants are the store's (store.ts): slot `i`
 * of the table points at item `i`'s record; COUNT is the length. One Lock
 * from @sabkit/lock guards every operation (one CAS when free; its handle
 * travels in this handle). Items are encoded before taking the lock and
 * decoded after releasing it (except in `sort`, which compares decoded
 * items under the lock). `slice()` and iteration work on a snapshot taken
 * under the lock.
 *
 * Python's list methods (`insert`, `remove`, `index`, `count`, `extend`,
 * `reverse`, `sort`, `pop`) are each one lock hold. Items are compared by
 * their encoded bytes (`remove`, `index`, `count`): with the default
 * structuredCodec, numbers, strings, booleans, null and bigints by value,
 * objects and arrays by contents and key order; -0 and 0 differ.
 */
import type { Codec, Handle, Shareable, WaitOptions } from "@sabkit/core";
import { Lock, type LockHandle } from "@sabkit/lock";
import { checkCodec, resolveCodec } from "./codecs.js";
import {
  atomicBody,
  checkAtomicFn,
  type Formed,
  LockedStore,
  type TryResult,
  type WaitForm,
} from "./common.js";
import {
  attachedHandle,
  attachOptions,
  defineKind,
  defineLayout,
  describe,
  registerKind,
} from "./core-internal.js";
import {
  appendItems,
  clampIndex,
  findEqual,
  formName,
  insertAt,
  itemIndex,
  iterableItems,
  NO_KEY,
  removeAt,
  replaceAt,
  reverseEntries,
  sortEntries,
} from "./list-entries.js";
import { allocateStore, COUNT, Store, type StoreOptions } from "./store.js";

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
  readonly #locked: LockedStore;

  /**
   * @param items initial items.
   * @param options `codec`, `byteLength`, `maxByteLength`. The list's memory
   * is always its own buffer, never a region of the caller's (no placement):
   * it grows by growing the whole SharedArrayBuffer, with its tables from byte 0.
   */
  constructor(items?: Iterable<T>, options?: SharedListOptions<T>) {
    const attached = attachedHandle<SharedListHandle>(options);
    if (attached !== undefined) {
      this.handle = attached;
      this.codec = resolveCodec(
        attached.codec,
        options?.codec,
        "SharedList.from(handle)",
      ) as Codec<T>;
      this.#lock = Lock.from(attached.lock);
    } else {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          `new SharedList(items, options): options must be an object like { codec, byteLength }, got ${describe(options)}`,
        );
      }
      this.codec = checkCodec(options?.codec, "new SharedList(items, options)") as Codec<T>;
      const buffer = allocateStore(options, 64, false, "new SharedList(items, options)");
      LIST_KIND.writeTag(new Int32Array(buffer));
      this.#lock = new Lock({ name: "SharedList" });
      this.handle = LIST_KIND.makeHandle(
        { buffer, byteOffset: 0, byteLength: LIST_LAYOUT.byteLength },
        { codec: this.codec.name, lock: this.#lock.handle },
      );
    }
    LIST_KIND.attachHandle(this.handle, "SharedList.from(handle)");
    this.#store = new Store(this.handle.buffer, false, "SharedList");
    this.#locked = new LockedStore(this.#lock, this.#store, "SharedList");
    this.#locked.run("wait", "from(handle)", undefined, () => undefined);
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
    const attach = attachOptions(LIST_KIND.validate(handle, "SharedList.from(handle)"));
    return new SharedList<T>(undefined, { ...attach, codec: options?.codec });
  }

  /** Number of items (one atomic load, no lock). */
  get length(): number {
    // Pairs with the Atomics.store of COUNT in Store.setCount.
    return Atomics.load(this.#store.i32, COUNT);
  }

  /**
   * The lock every operation takes (to combine with other locks). To make
   * several operations one atomic step use {@link atomically}: calling an
   * operation while holding getLock() is a DeadlockError.
   */
  getLock(): Lock {
    return this.#lock;
  }

  /**
   * Runs `fn(this)` holding the list's lock once: every operation `fn` calls
   * on this list (any form) runs without re-locking, so together they are
   * one atomic step for every other worker. `fn` must be synchronous and
   * short; if it throws, what it already did stays done. Returns what `fn`
   * returns.
   *
   * @example
   * ```ts
   * const first = jobs.atomically((l) => (l.length > 0 ? l.pop(0) : undefined));
   * ```
   * @throws TypeError when fn is not a synchronous function (or returns a
   * promise); TimeoutError / AbortError when `options` end the wait.
   */
  atomically<R>(fn: (list: this) => R, options?: WaitOptions): R {
    return this.#atomically("wait", fn, options);
  }

  /** {@link atomically} that waits for the lock without blocking the thread (`fn` is still synchronous). */
  async atomicallyAsync<R>(fn: (list: this) => R, options?: WaitOptions): Promise<R> {
    return this.#atomically("async", fn, options);
  }

  /** {@link atomically} that never waits: `{ ok: false }` (fn not called) when another worker holds the lock. */
  tryAtomically<R>(fn: (list: this) => R): TryResult<R> {
    return this.#atomically("try", fn, undefined);
  }

  /**
   * Appends every item of `items` (any iterable); returns the new length.
   *
   * @throws TypeError when items is not iterable; FullError when the list
   * cannot grow to hold them (nothing appended).
   */
  extend(items: Iterable<T>, options?: WaitOptions): number {
    return this.#push("wait", "extend", iterableItems(items, "extend"), options);
  }

  /** {@link extend} that waits for the lock without blocking the thread. */
  async extendAsync(items: Iterable<T>, options?: WaitOptions): Promise<number> {
    return this.#push("async", "extendAsync", iterableItems(items, "extendAsync"), options);
  }

  /** {@link extend} that never waits: `{ ok: false }` (nothing appended) when another worker holds the lock. */
  tryExtend(items: Iterable<T>): TryResult<number> {
    return this.#push("try", "tryExtend", iterableItems(items, "tryExtend"), undefined);
  }

  /**
   * Inserts `item` before position `index` (Python's bounds: negative
   * counts from the end, out of range clamps to the start or the end).
   *
   * @throws TypeError when index is not an integer; FullError when the list cannot grow.
   */
  insert(index: number, item: T, options?: WaitOptions): void {
    this.#insert("wait", index, item, options);
  }

  /** {@link insert} that waits for the lock without blocking the thread. */
  async insertAsync(index: number, item: T, options?: WaitOptions): Promise<void> {
    return this.#insert("async", index, item, options);
  }

  /** {@link insert} that never waits: `false` (nothing inserted) when another worker holds the lock. */
  tryInsert(index: number, item: T): boolean {
    return this.#insert("try", index, item, undefined).ok;
  }

  /**
   * Removes the first item equal to `item` (compared encoded, see above).
   *
   * @throws RangeError when no item is equal (Python's ValueError; nothing removed).
   */
  remove(item: T, options?: WaitOptions): void {
    this.#remove("wait", item, options);
  }

  /** {@link remove} that waits for the lock without blocking the thread. */
  async removeAsync(item: T, options?: WaitOptions): Promise<void> {
    return this.#remove("async", item, options);
  }

  /** {@link remove} that never waits: `false` (nothing removed) when another worker holds the lock. */
  tryRemove(item: T): boolean {
    return this.#remove("try", item, undefined).ok;
  }

  /**
   * The position of the first item equal to `item` in `[start, stop)`
   * (Python's slice bounds).
   *
   * @throws RangeError when there is none (Python's ValueError).
   */
  index(item: T, start?: number, stop?: number, options?: WaitOptions): number {
    return this.#find("wait", "index", item, start, stop, options);
  }

  /** {@link index} that waits for the lock without blocking the thread. */
  async indexAsync(item: T, start?: number, stop?: number, options?: WaitOptions): Promise<number> {
    return this.#find("async", "indexAsync", item, start, stop, options);
  }

  /** {@link index} that never waits: `{ ok: false }` when another worker holds the lock. */
  tryIndex(item: T, start?: number, stop?: number): TryResult<number> {
    return this.#find("try", "tryIndex", item, start, stop, undefined);
  }

  /** How many items are equal to `item`. */
  count(item: T, options?: WaitOptions): number {
    return this.#find("wait", "count", item, undefined, undefined, options);
  }

  /** {@link count} that waits for the lock without blocking the thread. */
  async countAsync(item: T, options?: WaitOptions): Promise<number> {
    return this.#find("async", "countAsync", item, undefined, undefined, options);
  }

  /** {@link count} that never waits: `{ ok: false }` when another worker holds the lock. */
  tryCount(item: T): TryResult<number> {
    return this.#find("try", "tryCount", item, undefined, undefined, undefined);
  }

  /** Reverses the list in place. */
  reverse(options?: WaitOptions): void {
    this.#reverse("wait", options);
  }

  /** {@link reverse} that waits for the lock without blocking the thread. */
  async reverseAsync(options?: WaitOptions): Promise<void> {
    return this.#reverse("async", options);
  }

  /** {@link reverse} that never waits: `false` (nothing changed) when another worker holds the lock. */
  tryReverse(): boolean {
    return this.#reverse("try", undefined).ok;
  }

  /**
   * Sorts the list in place, stably. Without `compareFn`, as Python's
   * `list.sort()`: all numbers ascending (or all bigints, or all strings
   * by UTF-16 code units, as JS `<`); mixed kinds (or other items, like
   * objects) are a TypeError, as Python's `'<' not supported`, and nothing
   * changes. `compareFn(a, b)` is Array.prototype.sort's; it runs under the
   * lock on decoded items: keep it cheap. Items are not re-encoded (the
   * entries are permuted).
   *
   * @throws TypeError for items the default order cannot compare, a
   * compareFn that is not a function, or a compareFn that modified the list
   * (nothing sorted); whatever compareFn throws (nothing sorted).
   */
  sort(compareFn?: (a: T, b: T) => number, options?: WaitOptions): void {
    this.#sort("wait", "sort", compareFn, options);
  }

  /** {@link sort} that waits for the lock without blocking the thread. */
  async sortAsync(compareFn?: (a: T, b: T) => number, options?: WaitOptions): Promise<void> {
    return this.#sort("async", "sortAsync", compareFn, options);
  }

  /** {@link sort} that never waits: `false` (nothing sorted) when another worker holds the lock. */
  trySort(compareFn?: (a: T, b: T) => number): boolean {
    return this.#sort("try", "trySort", compareFn, undefined).ok;
  }

  /**
   * Appends items; returns the new length. `push` is variadic, so it has no
   * options argument: {@link pushAsync} and {@link tryPush} take the items
   * as an array.
   *
   * @throws FullError when the list cannot grow to hold them (nothing appended).
   */
  push(...items: T[]): number {
    return this.#push("wait", "push", items, undefined);
  }

  /** {@link push} of `items` that waits for the lock without blocking the thread. */
  async pushAsync(items: T[], options?: WaitOptions): Promise<number> {
    return this.#push("async", "pushAsync", items, options);
  }

  /**
   * {@link push} of `items` that never waits: `{ ok: false }` (nothing
   * appended) when another worker holds the lock, else `{ ok: true, value: newLength }`.
   */
  tryPush(items: T[]): TryResult<number> {
    return this.#push("try", "tryPush", items, undefined);
  }

  /** Removes and returns the last item (or the item at `index`); undefined when empty. */
  pop(index?: number, options?: WaitOptions): T | undefined {
    return this.#pop("wait", index, options);
  }

  /** {@link pop} that waits for the lock without blocking the thread. */
  async popAsync(index?: number, options?: WaitOptions): Promise<T | undefined> {
    return this.#pop("async", index, options);
  }

  /**
   * {@link pop} that never waits: `{ ok: false }` (nothing removed) when
   * another worker holds the lock, else `{ ok: true, value }` (`value`
   * undefined when the list was empty).
   */
  tryPop(index?: number): TryResult<T | undefined> {
    return this.#pop("try", index, undefined);
  }

  /**
   * The item at `index` (negative counts from the end, as in Python).
   *
   * @throws RangeError when out of range; TimeoutError / AbortError when `options` end the wait.
   */
  get(index: number, options?: WaitOptions): T {
    return this.#get("wait", index, options);
  }

  /** {@link get} that waits for the lock without blocking the thread. */
  async getAsync(index: number, options?: WaitOptions): Promise<T> {
    return this.#get("async", index, options);
  }

  /** {@link get} that never waits: `{ ok: false }` when another worker holds the lock. */
  tryGet(index: number): TryResult<T> {
    return this.#get("try", index, undefined);
  }

  /**
   * Replaces the item at `index` (negative counts from the end).
   *
   * @throws RangeError when out of range; FullError when it cannot grow;
   * TimeoutError / AbortError when `options` end the wait.
   */
  set(index: number, item: T, options?: WaitOptions): void {
    this.#set("wait", index, item, options);
  }

  /** {@link set} that waits for the lock without blocking the thread. */
  async setAsync(index: number, item: T, options?: WaitOptions): Promise<void> {
    return this.#set("async", index, item, options);
  }

  /** {@link set} that never waits: `false` (nothing written) when another worker holds the lock. */
  trySet(index: number, item: T): boolean {
    return this.#set("try", index, item, undefined).ok;
  }

  /** A snapshot of items `[start, end)` (Python slice bounds; default all). */
  slice(start?: number, end?: number): T[] {
    const raw = this.#locked.run("wait", "slice", undefined, (store) => {
      const n = store.count;
      const from = clampIndex(start ?? 0, n, "slice");
      const to = clampIndex(end ?? n, n, "slice");
      const out: Uint8Array[] = [];
      for (let i = from; i < to; i++) out.push(store.valueBytes(store.recordAt(i)));
      return out;
    });
    return raw.map((bytes) => this.codec.decode(bytes));
  }

  /** Removes every item. */
  clear(options?: WaitOptions): void {
    this.#locked.run("wait", "clear", options, (store) => store.clear());
  }

  /** Iterates over a snapshot. */
  [Symbol.iterator](): IterableIterator<T> {
    return this.slice().values();
  }

  #atomically<F extends WaitForm, R>(
    form: F,
    fn: (list: this) => R,
    options: WaitOptions | undefined,
  ): Formed<F, R> {
    const op = formName(form, "atomically");
    const what = `SharedList.${op}(fn)`;
    checkAtomicFn(fn, what);
    return this.#locked.run(form, op, options, () => atomicBody(() => fn(this), what));
  }

  #insert<F extends WaitForm>(
    form: F,
    index: number,
    item: T,
    options: WaitOptions | undefined,
  ): Formed<F, void> {
    const op = formName(form, "insert");
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(
        `SharedList.${op}(index, item): index must be an integer, got ${describe(index)}`,
      );
    }
    const bytes = this.codec.encode(item).slice();
    return this.#locked.run(form, op, options, (store) => {
      store.reserve(Store.recordSize(0, bytes.length), true);
      const n = store.count;
      const at = clampIndex(index, n, op);
      insertAt(store, at, store.append(NO_KEY, 0, bytes, bytes.length));
    });
  }

  #remove<F extends WaitForm>(form: F, item: T, options: WaitOptions | undefined): Formed<F, void> {
    const op = formName(form, "remove");
    const bytes = this.codec.encode(item).slice();
    return this.#locked.run(form, op, options, (store) => {
      const at = findEqual(store, bytes, 0, store.count, false);
      if (at >= 0) return removeAt(store, at);
      throw new RangeError(
        `SharedList.${op}(item): no item is equal to ${describe(item)} (Python's ValueError); ` +
          "check with count(item) or index(item) first, or catch RangeError",
      );
    });
  }

  // index (the first position, a RangeError when absent) or count.
  #find<F extends WaitForm>(
    form: F,
    base: "index" | "count" | "indexAsync" | "countAsync" | "tryIndex" | "tryCount",
    item: T,
    start: number | undefined,
    stop: number | undefined,
    options: WaitOptions | undefined,
  ): Formed<F, number> {
    const counting = base.toLowerCase().includes("count");
    const bytes = this.codec.encode(item).slice();
    return this.#locked.run(form, base, options, (store) => {
      const n = store.count;
      const from = start === undefined ? 0 : clampIndex(start, n, base);
      const to = stop === undefined ? n : clampIndex(stop, n, base);
      const found = findEqual(store, bytes, from, to, counting);
      if (counting || found >= 0) return found;
      throw new RangeError(
        `SharedList.${base}(item): no item equal to ${describe(item)} in [${from}, ${to}) (Python's ValueError); ` +
          "use count(item) to test first, or catch RangeError",
      );
    });
  }

  #reverse<F extends WaitForm>(form: F, options: WaitOptions | undefined): Formed<F, void> {
    return this.#locked.run(form, formName(form, "reverse"), options, reverseEntries);
  }

  #sort<F extends WaitForm>(
    form: F,
    op: string,
    compareFn: ((a: T, b: T) => number) | undefined,
    options: WaitOptions | undefined,
  ): Formed<F, void> {
    if (compareFn !== undefined && typeof compareFn !== "function") {
      throw new TypeError(
        `SharedList.${op}(compareFn): compareFn must be a function or undefined, got ${describe(compareFn)}`,
      );
    }
    return this.#locked.run(form, op, options, (store) =>
      sortEntries(store, (bytes) => this.codec.decode(bytes), compareFn, op),
    );
  }

  #push<F extends WaitForm>(
    form: F,
    op: string,
    items: T[],
    options: WaitOptions | undefined,
  ): Formed<F, number> {
    if (!Array.isArray(items)) {
      throw new TypeError(
        `SharedList.${op}(items): items must be an array, got ${describe(items)}`,
      );
    }
    const encoded = items.map((item) => this.codec.encode(item).slice());
    return this.#locked.run(form, op, options, (store) => {
      appendItems(store, encoded);
      return store.count;
    });
  }

  #pop<F extends WaitForm>(
    form: F,
    index: number | undefined,
    options: WaitOptions | undefined,
  ): Formed<F, T | undefined> {
    const op = formName(form, "pop");
    return this.#locked.run(
      form,
      op,
      options,
      (store) => {
        if (store.count === 0) return undefined;
        const at = index === undefined ? store.count - 1 : itemIndex(index, store.count, op);
        const out = store.valueBytes(store.recordAt(at));
        removeAt(store, at);
        return out;
      },
      (bytes) => (bytes === undefined ? undefined : this.codec.decode(bytes)),
    );
  }

  #get<F extends WaitForm>(form: F, index: number, options: WaitOptions | undefined): Formed<F, T> {
    const op = formName(form, "get");
    return this.#locked.run(
      form,
      op,
      options,
      (store) => store.valueBytes(store.recordAt(itemIndex(index, store.count, op))),
      (bytes) => this.codec.decode(bytes),
    );
  }

  #set<F extends WaitForm>(
    form: F,
    index: number,
    item: T,
    options: WaitOptions | undefined,
  ): Formed<F, void> {
    const op = formName(form, "set");
    const encoded = this.codec.encode(item);
    const bytes = form === "async" ? encoded.slice() : encoded;
    return this.#locked.run(form, op, options, (store) => replaceAt(store, index, bytes, op));
  }
}
