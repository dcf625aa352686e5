/**
 * SharedDict: a hash map in shared memory (Python's `Manager().dict()`, but
 * reads and writes are done by the calling worker itself, not sent to a
 * server process).
 *
 * The table and heap layout, their transitions, invariants and the growth
 * policy are at the top of store.ts. A SharedDict is that store as
 * CPython's compact dict (a hash index with open addressing — linear
 * probing, FNV-1a of the encoded key, load ≤ 3/4 including deleted slots —
 * pointing into an insertion-ordered entries array) plus one Lock from
 * @sabkit/lock (its own shared memory; its handle travels in this handle).
 *
 * Every operation holds the lock for the copy of a few bytes: one CAS to
 * enter when nobody else holds it, a brief spin then sleep otherwise, with
 * the lock's counted hand-off fairness (no writer starves). Values are
 * encoded before taking the lock and decoded after releasing it (except in
 * `update`, whose function runs under the lock). A lock held longer than
 * 10 s (a dead worker, a hung update function) is a TimeoutError.
 *
 * Iteration (`keys`, `values`, `entries`, `for … of`) works on a snapshot
 * taken under the lock: consistent, never torn, never invalidated by
 * concurrent writers. Order: insertion order, as Python's dict and Map
 * (setting an existing key keeps its place; deleting and setting it again
 * moves it to the end).
 */
import type { Codec, Handle, Shareable, WaitOptions } from "@sabkit/core";
import { Lock, type LockHandle } from "@sabkit/lock";
import { checkCodec, resolveCodec } from "./codecs.js";
import {
  atomicBody,
  checkAtomicFn,
  enter,
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
import { type DictKey, decodeKey, encodeKey, keyBuffer } from "./keys.js";
import { allocateStore, COUNT, DELETED, EMPTY, Store, type StoreOptions } from "./store.js";

const DICT_LAYOUT = defineLayout({ tag: "int32", words: { type: "int32", length: 15 } });

export interface SharedDictHandle extends Handle<"shared-dict" | "namespace"> {
  readonly codec: string;
  readonly lock: LockHandle;
}

export const DICT_KIND = defineKind<SharedDictHandle>({
  kind: "shared-dict",
  // 2: insertion-ordered entries behind a hash index (store.ts).
  version: 2,
  package: "@sabkit/shared",
  layout: DICT_LAYOUT,
});

export const NAMESPACE_KIND = defineKind<SharedDictHandle>({
  kind: "namespace",
  version: 2,
  package: "@sabkit/shared",
  layout: DICT_LAYOUT,
});

const INITIAL_SLOTS = 64;

/** Options of {@link SharedDict}. */
export interface SharedDictOptions<V> extends StoreOptions {
  /** How values become bytes (default core's structuredCodec). */
  codec?: Codec<V>;
}

const EMPTY_VALUE = new Uint8Array(0);

/** The shared machinery of SharedDict and Namespace. */
export class DictBase<K extends DictKey, V> {
  readonly handle: SharedDictHandle;
  readonly codec: Codec<V>;
  readonly #lock: Lock;
  readonly #store: Store;
  readonly #name: string;
  readonly #locked: LockedStore;

  /**
   * @internal Creates (or, with core's `attachOptions(handle)` among the
   * options, attaches to) a store of `kind`. A store's memory is always its
   * own buffer, never a region of the caller's (no placement): it grows by
   * growing the whole SharedArrayBuffer, with its tables from byte 0.
   */
  constructor(
    kind: typeof DICT_KIND,
    name: string,
    init: Iterable<readonly [K, V]> | undefined,
    options: SharedDictOptions<V> | undefined,
  ) {
    this.#name = name;
    const attached = attachedHandle<SharedDictHandle>(options);
    let handle: SharedDictHandle;
    if (attached !== undefined) {
      handle = attached;
      this.codec = resolveCodec(handle.codec, options?.codec, `${name}.from(handle)`) as Codec<V>;
      this.#lock = Lock.from(handle.lock);
    } else {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          `new ${name}(init, options): options must be an object like { codec, byteLength, maxByteLength }, got ${describe(options)}`,
        );
      }
      this.codec = checkCodec(options?.codec, `new ${name}(init, options)`) as Codec<V>;
      const buffer = allocateStore(options, INITIAL_SLOTS, true, `new ${name}(init, options)`);
      const i32 = new Int32Array(buffer);
      kind.writeTag(i32);
      this.#lock = new Lock({ name });
      handle = kind.makeHandle(
        { buffer, byteOffset: 0, byteLength: DICT_LAYOUT.byteLength },
        { codec: this.codec.name, lock: this.#lock.handle },
      );
    }
    kind.attachHandle(handle, `${name}.from(handle)`);
    this.handle = handle;
    this.#store = new Store(handle.buffer, true, name);
    this.#locked = new LockedStore(this.#lock, this.#store, name);
    enter(this.#lock, name);
    try {
      this.#store.check();
    } finally {
      this.#lock.release();
    }
    if (init !== undefined) {
      for (const [key, value] of init) this.set(key, value);
    }
  }

  /** Number of entries (one atomic load, no lock). */
  get size(): number {
    // Pairs with the Atomics.store of COUNT in Store.setCount.
    return Atomics.load(this.#store.i32, COUNT);
  }

  /**
   * The lock every operation takes (to combine with other locks, e.g. in
   * `Lock.all`). To make several operations of this dict one atomic step,
   * use {@link atomically}: calling an operation while holding getLock() is
   * a DeadlockError (the lock is not recursive).
   */
  getLock(): Lock {
    return this.#lock;
  }

  /**
   * Runs `fn(this)` holding the dict's lock once: every operation `fn` calls
   * on this dict (any form) runs without re-locking, so together they are
   * one atomic step for every other worker. `fn` must be synchronous and
   * short; if it throws, the operations it already made stay made (no
   * rollback) and the error propagates. Returns what `fn` returns.
   *
   * @example
   * ```ts
   * dict.atomically((d) => d.set("total", (d.get("total") ?? 0) + (d.get("new") ?? 0)).delete("new"));
   * ```
   * @throws TypeError when fn is not a synchronous function (or returns a
   * promise); TimeoutError / AbortError when `options` end the wait;
   * OwnerDiedError when a worker died holding the lock (see README).
   */
  atomically<R>(fn: (dict: this) => R, options?: WaitOptions): R {
    return this.#atomically("wait", "atomically", fn, options);
  }

  /** {@link atomically} that waits for the lock without blocking the thread (`fn` is still synchronous). */
  async atomicallyAsync<R>(fn: (dict: this) => R, options?: WaitOptions): Promise<R> {
    return this.#atomically("async", "atomicallyAsync", fn, options);
  }

  /** {@link atomically} that never waits: `{ ok: false }` (fn not called) when another worker holds the lock. */
  tryAtomically<R>(fn: (dict: this) => R): TryResult<R> {
    return this.#atomically("try", "tryAtomically", fn, undefined);
  }

  #atomically<F extends WaitForm, R>(
    form: F,
    op: string,
    fn: (dict: this) => R,
    options: WaitOptions | undefined,
  ): Formed<F, R> {
    const what = `${this.#name}.${op}(fn)`;
    checkAtomicFn(fn, what);
    return this.#locked.run(form, op, options, () => atomicBody(() => fn(this), what));
  }

  /**
   * The value of `key`, or undefined. `options.timeout` bounds the wait for
   * the lock (default: the 10 s stuck-lock bound).
   *
   * @throws TimeoutError / AbortError when `options` end the wait.
   */
  get(key: K, options?: WaitOptions): V | undefined {
    return this.#get("wait", "get", key, options);
  }

  /** {@link get} that waits for the lock without blocking the thread. */
  async getAsync(key: K, options?: WaitOptions): Promise<V | undefined> {
    return this.#get("async", "getAsync", key, options);
  }

  /**
   * {@link get} that never waits: `{ ok: false }` when another worker holds
   * the lock right now, else `{ ok: true, value }` (`value` undefined for a
   * missing key).
   */
  tryGet(key: K): TryResult<V | undefined> {
    return this.#get("try", "tryGet", key, undefined);
  }

  /** `true` when `key` is present. */
  has(key: K, options?: WaitOptions): boolean {
    return this.#has("wait", "has", key, options);
  }

  /** {@link has} that waits for the lock without blocking the thread. */
  async hasAsync(key: K, options?: WaitOptions): Promise<boolean> {
    return this.#has("async", "hasAsync", key, options);
  }

  /**
   * Sets `key` to `value`; returns this.
   *
   * @throws TypeError for a bad key or a value the codec cannot encode;
   * RangeError for an entry larger than the dict can ever hold; FullError when
   * the dict cannot grow to hold it (nothing changed in either case);
   * TimeoutError / AbortError when `options` end the wait.
   */
  set(key: K, value: V, options?: WaitOptions): this {
    this.#set("wait", "set", key, value, options);
    return this;
  }

  /** {@link set} that waits for the lock without blocking the thread; resolves with this. */
  async setAsync(key: K, value: V, options?: WaitOptions): Promise<this> {
    await this.#set("async", "setAsync", key, value, options);
    return this;
  }

  /** {@link set} that never waits: `false` (nothing written) when another worker holds the lock. */
  trySet(key: K, value: V): boolean {
    return this.#set("try", "trySet", key, value, undefined).ok;
  }

  /** Removes `key`; `true` if it was present. */
  delete(key: K, options?: WaitOptions): boolean {
    return this.#delete("wait", "delete", key, options);
  }

  /** {@link delete} that waits for the lock without blocking the thread. */
  async deleteAsync(key: K, options?: WaitOptions): Promise<boolean> {
    return this.#delete("async", "deleteAsync", key, options);
  }

  /**
   * {@link delete} that never waits: `{ ok: false }` (nothing removed) when
   * another worker holds the lock, else `{ ok: true, value: wasPresent }`.
   */
  tryDelete(key: K): TryResult<boolean> {
    return this.#delete("try", "tryDelete", key, undefined);
  }

  /** Removes every entry. */
  clear(options?: WaitOptions): void {
    this.#locked.run("wait", "clear", options, (store) => store.clear());
  }

  /**
   * Atomic read-modify-write across workers: `fn(current, present)` runs
   * under the dict's lock and its result is stored. If `fn` throws, nothing
   * changes. Keep `fn` short; it may read this dict (its operations run
   * without re-locking, as in {@link atomically}).
   *
   * @example
   * ```ts
   * counts.update("hits", (n = 0) => n + 1);
   * ```
   */
  update(key: K, fn: (current: V | undefined, present: boolean) => V, options?: WaitOptions): V {
    return this.#update("wait", "update", key, fn, options);
  }

  /**
   * {@link update} that waits for the lock without blocking the thread
   * (for a browser main thread, or with an AbortSignal).
   *
   * @throws TimeoutError / AbortError when `options.timeout` / `options.signal` end the wait.
   */
  async updateAsync(
    key: K,
    fn: (current: V | undefined, present: boolean) => V,
    options?: WaitOptions,
  ): Promise<V> {
    return this.#update("async", "updateAsync", key, fn, options);
  }

  /**
   * {@link update} that never waits: `undefined` when another worker holds
   * the lock right now (nothing changed, fn not called).
   */
  tryUpdate(key: K, fn: (current: V | undefined, present: boolean) => V): V | undefined {
    const result = this.#update("try", "tryUpdate", key, fn, undefined);
    return result.ok ? result.value : undefined;
  }

  // The encoded key: the thread's scratch buffer, or a copy when the form waits asynchronously.
  #key(form: WaitForm, key: K, what: string): [Uint8Array, number, number] {
    const [keyLength, hash] = encodeKey(key, `${this.#name}.${what}`);
    const bytes = form === "async" ? keyBuffer().slice(0, keyLength) : keyBuffer();
    return [bytes, keyLength, hash];
  }

  #get<F extends WaitForm>(
    form: F,
    op: string,
    key: K,
    options: WaitOptions | undefined,
  ): Formed<F, V | undefined> {
    const [bytes, keyLength, hash] = this.#key(form, key, `${op}(key)`);
    return this.#locked.run(
      form,
      op,
      options,
      (store) => {
        const entry = store.find(bytes, keyLength, hash);
        return entry < 0 ? undefined : store.valueBytes(store.recordAt(entry));
      },
      (value) => (value === undefined ? undefined : this.codec.decode(value)),
    );
  }

  #has<F extends WaitForm>(
    form: F,
    op: string,
    key: K,
    options: WaitOptions | undefined,
  ): Formed<F, boolean> {
    const [bytes, keyLength, hash] = this.#key(form, key, `${op}(key)`);
    return this.#locked.run(form, op, options, (store) => store.find(bytes, keyLength, hash) >= 0);
  }

  #set<F extends WaitForm>(
    form: F,
    op: string,
    key: K,
    value: V,
    options: WaitOptions | undefined,
  ): Formed<F, void> {
    const [bytes, keyLength, hash] = this.#key(form, key, `${op}(key, value)`);
    const encoded = this.codec.encode(value);
    const copy = form === "async" ? encoded.slice() : encoded;
    return this.#locked.run(form, op, options, () => this.#write(bytes, keyLength, hash, copy));
  }

  #delete<F extends WaitForm>(
    form: F,
    op: string,
    key: K,
    options: WaitOptions | undefined,
  ): Formed<F, boolean> {
    const [bytes, keyLength, hash] = this.#key(form, key, `${op}(key)`);
    return this.#locked.run(form, op, options, (store) => {
      const entry = store.find(bytes, keyLength, hash);
      if (entry < 0) return false;
      store.remove(store.foundSlot, entry);
      store.touch();
      return true;
    });
  }

  #update<F extends WaitForm>(
    form: F,
    op: string,
    key: K,
    fn: (current: V | undefined, present: boolean) => V,
    options: WaitOptions | undefined,
  ): Formed<F, V> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `${this.#name}.${op}(key, fn): fn must be a function, got ${describe(fn)}`,
      );
    }
    const [keyLength, hash] = encodeKey(key, `${this.#name}.${op}(key, fn)`);
    // A copy: fn may encode keys of other dicts (the scratch buffer is per thread).
    const keyCopy = keyBuffer().slice(0, keyLength);
    return this.#locked.run(form, op, options, (store) => {
      const entry = store.find(keyCopy, keyLength, hash);
      let current: V | undefined;
      if (entry >= 0) current = this.codec.decode(store.valueBytes(store.recordAt(entry)));
      const next = fn(current, entry >= 0);
      this.#write(keyCopy, keyLength, hash, this.codec.encode(next));
      return next;
    });
  }

  /** A consistent snapshot of every entry (taken under the lock). */
  snapshot(): Map<K, V> {
    const raw = this.#rawEntries();
    const map = new Map<K, V>();
    for (const [key, bytes] of raw) map.set(key as K, this.codec.decode(bytes));
    return map;
  }

  /** The keys of a snapshot. */
  keys(): IterableIterator<K> {
    return this.#rawEntries()
      .map(([key]) => key as K)
      .values();
  }

  /** The values of a snapshot. */
  values(): IterableIterator<V> {
    return this.snapshot().values();
  }

  /** The entries of a snapshot. */
  entries(): IterableIterator<[K, V]> {
    return this.snapshot().entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  #rawEntries(): [DictKey, Uint8Array][] {
    return this.#locked.run("wait", "entries", undefined, (store) => {
      const out: [DictKey, Uint8Array][] = [];
      for (let entry = 0; entry < store.used; entry++) {
        const offset = store.recordAt(entry);
        if (offset === EMPTY || offset === DELETED) continue;
        out.push([
          decodeKey(store.u8, store.keyStart(offset), store.keyLength(offset)),
          store.valueBytes(offset),
        ]);
      }
      return out;
    });
  }

  // Under the lock.
  #write(key: Uint8Array, keyLength: number, hash: number, value: Uint8Array): void {
    const store = this.#store;
    const bytes = value ?? EMPTY_VALUE;
    const size = Store.recordSize(keyLength, bytes.length);
    if (size > 2 ** 31 - 1024) {
      throw new RangeError(
        `${this.#name}.set: an entry of ${bytes.length} bytes is larger than any dict can hold`,
      );
    }
    store.check();
    let entry = store.find(key, keyLength, hash);
    if (entry >= 0) {
      const old = store.recordAt(entry);
      if (store.sizeAt(old) === size) {
        // Same room: overwrite the value in place (no garbage, no rebuild).
        store.overwriteValue(old, bytes);
        store.touch();
        return;
      }
    }
    store.reserve(size, entry < 0);
    entry = store.find(key, keyLength, hash); // the tables may have been rebuilt
    const offset = store.append(key, keyLength, bytes, bytes.length);
    if (entry >= 0) {
      // An existing key keeps its entry, so its place in the order.
      store.addGarbage(store.sizeAt(store.recordAt(entry)));
      store.setEntry(entry, hash, offset);
    } else {
      store.insert(-entry - 1, hash, offset);
    }
    store.touch();
  }
}

/**
 * A dict shared by workers: string and number keys, codec-encoded values.
 *
 * @example
 * ```ts
 * const scores = new SharedDict<string, number>();
 * scores.set("ada", 3);
 * scores.update("ada", (n = 0) => n + 1);        // atomic across workers
 * worker.postMessage(scores.handle);              // SharedDict.from(handle) there
 * ```
 */
export class SharedDict<K extends DictKey = DictKey, V = unknown>
  extends DictBase<K, V>
  implements Shareable<SharedDictHandle>
{
  static {
    registerKind(DICT_KIND.kind, { from: (handle) => SharedDict.from(handle) });
  }

  /**
   * @param init initial entries (a Map, an array of pairs, …).
   * @param options `codec`, `byteLength` (initial memory, default 64 KiB), `maxByteLength` (default 64 MiB).
   */
  constructor(init?: Iterable<readonly [K, V]>, options?: SharedDictOptions<V>) {
    super(DICT_KIND, "SharedDict", init, options);
  }

  /**
   * Revives a SharedDict from its handle (in any worker). A dict made with a
   * codec that is not built in needs it again: `SharedDict.from(handle, { codec })`.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size, tag or codec.
   */
  static from<K extends DictKey = DictKey, V = unknown>(
    handle: unknown,
    options?: { codec?: Codec<V> },
  ): SharedDict<K, V> {
    const attach = attachOptions(DICT_KIND.validate(handle, "SharedDict.from(handle)"));
    return new SharedDict<K, V>(undefined, { ...attach, codec: options?.codec });
  }
}
