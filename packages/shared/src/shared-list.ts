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
  type Guarded,
  type TryResult,
  underLock,
  type WaitForm,
} from "./common.js";
import { defineKind, defineLayout, describe, registerKind } from "./core-internal.js";
import { allocateStore, EMPTY, Store, type StoreOptions, VERSION } from "./store.js";

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
  readonly #guard: Guarded;

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
    const store = this.#store;
    this.#guard = { held: false, recover: () => store.validate() };
    this.#run("wait", "from(handle)", undefined, () => undefined);
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
    return this.#push("wait", "extend", this.#items(items, "extend"), options);
  }

  /** {@link extend} that waits for the lock without blocking the thread. */
  async extendAsync(items: Iterable<T>, options?: WaitOptions): Promise<number> {
    return this.#push("async", "extendAsync", this.#items(items, "extendAsync"), options);
  }

  /** {@link extend} that never waits: `{ ok: false }` (nothing appended) when another worker holds the lock. */
  tryExtend(items: Iterable<T>): TryResult<number> {
    return this.#push("try", "tryExtend", this.#items(items, "tryExtend"), undefined);
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
    const raw = this.#run("wait", "slice", undefined, (store) => {
      const n = store.count;
      const from = clampIndex(start ?? 0, n, "slice");
      const to = clampIndex(end ?? n, n, "slice");
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
  clear(options?: WaitOptions): void {
    this.#run("wait", "clear", options, (store) => store.clear());
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

  // One operation under the lock in form F (see underLock); checks the store first.
  #run<F extends WaitForm, R, O = R>(
    form: F,
    op: string,
    options: WaitOptions | undefined,
    body: (store: Store) => R,
    after?: (result: R) => O,
  ): Formed<F, O> {
    const store = this.#store;
    return underLock(
      this.#lock,
      form,
      `SharedList.${op}`,
      options,
      () => {
        store.check();
        return body(store);
      },
      after,
      this.#guard,
    );
  }

  #items(items: Iterable<T>, op: string): T[] {
    if (
      items === null ||
      (typeof items !== "object" && typeof items !== "string") ||
      typeof (items as Partial<Iterable<T>>)[Symbol.iterator] !== "function"
    ) {
      throw new TypeError(
        `SharedList.${op}(items): items must be iterable (an array, a Set, a generator…), got ${describe(items)}`,
      );
    }
    return Array.from(items);
  }

  #atomically<F extends WaitForm, R>(
    form: F,
    fn: (list: this) => R,
    options: WaitOptions | undefined,
  ): Formed<F, R> {
    const op = formName(form, "atomically");
    const what = `SharedList.${op}(fn)`;
    checkAtomicFn(fn, what);
    return this.#run(form, op, options, () => atomicBody(() => fn(this), what));
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
    return this.#run(form, op, options, (store) => {
      store.reserve(Store.recordSize(0, bytes.length), true);
      const n = store.count;
      const at = clampIndex(index, n, op);
      const offset = store.append(NO_KEY, 0, bytes, bytes.length);
      // Shift entries [at, n) up by one.
      const base = store.base + at * 2;
      store.i32.copyWithin(base + 2, base, store.base + n * 2);
      store.setEntry(at, 0, offset);
      store.setCount(n + 1);
      store.touch();
    });
  }

  #remove<F extends WaitForm>(form: F, item: T, options: WaitOptions | undefined): Formed<F, void> {
    const op = formName(form, "remove");
    const bytes = this.codec.encode(item).slice();
    return this.#run(form, op, options, (store) => {
      for (let at = 0; at < store.count; at++) {
        if (equalAt(store, at, bytes)) {
          removeAt(store, at);
          return;
        }
      }
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
    return this.#run(form, base, options, (store) => {
      const n = store.count;
      const from = start === undefined ? 0 : clampIndex(start, n, base);
      const to = stop === undefined ? n : clampIndex(stop, n, base);
      let found = 0;
      for (let at = from; at < to; at++) {
        if (!equalAt(store, at, bytes)) continue;
        if (!counting) return at;
        found++;
      }
      if (counting) return found;
      throw new RangeError(
        `SharedList.${base}(item): no item equal to ${describe(item)} in [${from}, ${to}) (Python's ValueError); ` +
          "use count(item) to test first, or catch RangeError",
      );
    });
  }

  #reverse<F extends WaitForm>(form: F, options: WaitOptions | undefined): Formed<F, void> {
    return this.#run(form, formName(form, "reverse"), options, (store) => {
      const i32 = store.i32;
      for (
        let lo = store.base, hi = store.base + (store.count - 1) * 2;
        lo < hi;
        lo += 2, hi -= 2
      ) {
        const hash = i32[lo] as number;
        const offset = i32[lo + 1] as number;
        i32[lo] = i32[hi] as number;
        i32[lo + 1] = i32[hi + 1] as number;
        i32[hi] = hash;
        i32[hi + 1] = offset;
      }
      store.touch();
    });
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
    return this.#run(form, op, options, (store) => {
      const n = store.count;
      const version = store.i32[VERSION];
      const items: T[] = [];
      const offsets = new Int32Array(n);
      for (let at = 0; at < n; at++) {
        const offset = store.recordAt(at);
        offsets[at] = offset;
        items.push(
          this.codec.decode(store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset))),
        );
      }
      const compare = compareFn ?? (defaultOrder(items) as (a: T, b: T) => number);
      // Array.prototype.sort is stable.
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
        compare(items[a] as T, items[b] as T),
      );
      // compareFn may have used this list (its operations do not re-lock).
      store.check();
      if (store.i32[VERSION] !== version || store.count !== n) {
        throw new TypeError(
          `SharedList.${op}(compareFn): compareFn modified the list while it was being sorted (Python's ValueError); ` +
            "nothing was sorted: compare without touching the list",
        );
      }
      for (let at = 0; at < n; at++) store.setEntry(at, 0, offsets[order[at] as number] as number);
      store.touch();
    });
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
    return this.#run(form, op, options, (store) => {
      let total = 0;
      for (const bytes of encoded) total += Store.recordSize(0, bytes.length);
      store.reserve(total, false);
      for (let k = 0; k < encoded.length; k++) {
        const bytes = encoded[k] as Uint8Array;
        store.reserve(Store.recordSize(0, bytes.length), true);
        const offset = store.append(NO_KEY, 0, bytes, bytes.length);
        store.setEntry(store.count, 0, offset);
        store.setCount(store.count + 1);
      }
      store.touch();
      return store.count;
    });
  }

  #pop<F extends WaitForm>(
    form: F,
    index: number | undefined,
    options: WaitOptions | undefined,
  ): Formed<F, T | undefined> {
    const op = form === "wait" ? "pop" : form === "async" ? "popAsync" : "tryPop";
    return this.#run(
      form,
      op,
      options,
      (store) => {
        if (store.count === 0) return undefined;
        const at = index === undefined ? store.count - 1 : this.#index(index, store.count, op);
        const offset = store.recordAt(at);
        const out = store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset));
        removeAt(store, at);
        return out;
      },
      (bytes) => (bytes === undefined ? undefined : this.codec.decode(bytes)),
    );
  }

  #get<F extends WaitForm>(form: F, index: number, options: WaitOptions | undefined): Formed<F, T> {
    const op = form === "wait" ? "get" : form === "async" ? "getAsync" : "tryGet";
    return this.#run(
      form,
      op,
      options,
      (store) => {
        const offset = store.recordAt(this.#index(index, store.count, op));
        return store.u8.slice(offset + 8, offset + 8 + store.valueLength(offset));
      },
      (bytes) => this.codec.decode(bytes),
    );
  }

  #set<F extends WaitForm>(
    form: F,
    index: number,
    item: T,
    options: WaitOptions | undefined,
  ): Formed<F, void> {
    const op = form === "wait" ? "set" : form === "async" ? "setAsync" : "trySet";
    const encoded = this.codec.encode(item);
    const bytes = form === "async" ? encoded.slice() : encoded;
    return this.#run(form, op, options, (store) => {
      this.#index(index, store.count, op);
      store.reserve(Store.recordSize(0, bytes.length), false);
      const at = this.#index(index, store.count, op);
      store.addGarbage(store.sizeAt(store.recordAt(at)));
      store.setEntry(at, 0, store.append(NO_KEY, 0, bytes, bytes.length));
      store.touch();
    });
  }
}

function clampIndex(index: number, length: number, op: string): number {
  if (typeof index !== "number" || Number.isNaN(index)) {
    throw new TypeError(`SharedList.${op}: bounds must be numbers, got ${describe(index)}`);
  }
  const at = index < 0 ? index + length : index;
  return Math.max(0, Math.min(length, Math.trunc(at)));
}

// Under the lock: removes entry `at` of the list (its record becomes garbage).
function removeAt(store: Store, at: number): void {
  store.addGarbage(store.sizeAt(store.recordAt(at)));
  // Shift the later entries down by one.
  const base = store.base + at * 2;
  const end = store.base + store.count * 2;
  store.i32.copyWithin(base, base + 2, end);
  store.setEntry(store.count - 1, 0, EMPTY);
  store.setCount(store.count - 1);
  store.touch();
}

// Under the lock: `true` when entry `at` holds exactly `bytes`.
function equalAt(store: Store, at: number, bytes: Uint8Array): boolean {
  const offset = store.recordAt(at);
  const length = store.valueLength(offset);
  if (length !== bytes.length) return false;
  const u8 = store.u8;
  const start = offset + 8;
  for (let i = 0; i < length; i++) if (u8[start + i] !== bytes[i]) return false;
  return true;
}

/** Python's default order: one kind of comparable item, else a TypeError. */
function defaultOrder(items: unknown[]): (a: unknown, b: unknown) => number {
  if (items.length === 0) return () => 0;
  const kind = typeof items[0];
  for (const item of items) {
    if (typeof item !== kind || (kind !== "number" && kind !== "string" && kind !== "bigint")) {
      throw new TypeError(
        `SharedList.sort(): without compareFn the items must be all numbers, all bigints or all strings ` +
          `(as Python's '<' between kinds), got ${describe(items[0])} and ${describe(item)}: pass a compareFn`,
      );
    }
  }
  return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
}

/** The `base` / `baseAsync` / `tryBase` name of an operation in form `form`. */
function formName(form: WaitForm, base: string): string {
  if (form === "wait") return base;
  if (form === "async") return `${base}Async`;
  return `try${base[0]?.toUpperCase()}${base.slice(1)}`;
}
