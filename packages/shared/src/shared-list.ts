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
import type { Codec, Handle, Shareable, WaitOptions } from "@sabkit/core";
import { Lock, type LockHandle } from "@sabkit/lock";
import { checkCodec, resolveCodec } from "./codecs.js";
import { type Formed, type TryResult, underLock, type WaitForm } from "./common.js";
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
    LIST_KIND.attachHandle(this.handle, "SharedList.from(handle)");
    this.#store = new Store(this.handle.buffer, false, "SharedList");
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

  /** The lock every operation takes: hold it to make several operations one step. */
  getLock(): Lock {
    return this.#lock;
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
    return this.#run(form, op, options, (store) => {
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
        store.addGarbage(store.sizeAt(offset));
        // Shift the later slots down by one.
        const base = 16 + at * 2;
        const end = 16 + store.count * 2;
        store.i32.copyWithin(base, base + 2, end);
        store.setSlot(store.count - 1, 0, EMPTY);
        store.setCount(store.count - 1);
        store.touch();
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
      store.setSlot(at, 0, store.append(NO_KEY, 0, bytes, bytes.length));
      store.touch();
    });
  }
}

function clampIndex(index: number, length: number): number {
  if (typeof index !== "number" || Number.isNaN(index)) {
    throw new TypeError(`SharedList.slice: bounds must be numbers, got ${describe(index)}`);
  }
  const at = index < 0 ? index + length : index;
  return Math.max(0, Math.min(length, Math.trunc(at)));
}
