/**
 * SharedDict: a hash map in shared memory (Python's `Manager().dict()`, but
 * reads and writes are done by the calling worker itself, not sent to a
 * server process).
 *
 * The table and heap layout, their transitions, invariants and the growth
 * policy are at the top of store.ts. A SharedDict is that store with
 * open addressing (linear probing, FNV-1a of the encoded key, deleted slots
 * reused by inserts, load ≤ 3/4 including deleted slots) plus one Lock from
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
 * concurrent writers. Order: table order (not insertion order).
 */
import type { Codec, Handle, Shareable, WaitOptions } from "@sabkit/core";
import { Lock, type LockHandle } from "@sabkit/lock";
import { checkCodec, resolveCodec } from "./codecs.js";
import { enter, STUCK_LOCK_MS } from "./common.js";
import { defineKind, defineLayout, describe, registerKind } from "./core-internal.js";
import { type DictKey, decodeKey, encodeKey, keyBuffer } from "./keys.js";
import { allocateStore, DELETED, EMPTY, Store, type StoreOptions, USED } from "./store.js";

const DICT_LAYOUT = defineLayout({ tag: "int32", words: { type: "int32", length: 15 } });

export interface SharedDictHandle extends Handle<"shared-dict" | "namespace"> {
  readonly codec: string;
  readonly lock: LockHandle;
}

export const DICT_KIND = defineKind<SharedDictHandle>({
  kind: "shared-dict",
  version: 1,
  package: "@sabkit/shared",
  layout: DICT_LAYOUT,
});

export const NAMESPACE_KIND = defineKind<SharedDictHandle>({
  kind: "namespace",
  version: 1,
  package: "@sabkit/shared",
  layout: DICT_LAYOUT,
});

const INITIAL_SLOTS = 64;

/** Options of {@link SharedDict}. */
export interface SharedDictOptions<V> extends StoreOptions {
  /** How values become bytes (default core's structuredCodec). */
  codec?: Codec<V>;
}

let reviving: { handle: SharedDictHandle; codec?: unknown } | undefined;

const EMPTY_VALUE = new Uint8Array(0);

/** The shared machinery of SharedDict and Namespace. */
export class DictBase<K extends DictKey, V> {
  readonly handle: SharedDictHandle;
  readonly codec: Codec<V>;
  readonly #lock: Lock;
  readonly #store: Store;
  readonly #name: string;

  /** @internal */
  constructor(
    kind: typeof DICT_KIND,
    name: string,
    init: Iterable<readonly [K, V]> | undefined,
    options: SharedDictOptions<V> | undefined,
  ) {
    const revived = reviving;
    reviving = undefined;
    this.#name = name;
    let handle: SharedDictHandle;
    if (revived !== undefined) {
      handle = revived.handle;
      this.codec = resolveCodec(handle.codec, revived.codec, `${name}.from(handle)`) as Codec<V>;
      this.#lock = Lock.from(handle.lock);
    } else {
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          `new ${name}(init, options): options must be an object like { codec, byteLength, maxByteLength }, got ${describe(options)}`,
        );
      }
      this.codec = checkCodec(options?.codec, `new ${name}(init, options)`) as Codec<V>;
      const buffer = allocateStore(options, INITIAL_SLOTS, `new ${name}(init, options)`);
      const i32 = new Int32Array(buffer);
      kind.writeTag(i32);
      this.#lock = new Lock({ name });
      handle = kind.makeHandle(
        { buffer, byteOffset: 0, byteLength: DICT_LAYOUT.byteLength },
        { codec: this.codec.name, lock: this.#lock.handle },
      );
    }
    kind.checkTag(new Int32Array(handle.buffer, 0, 1), 0, `${name}.from(handle)`);
    this.handle = handle;
    this.#store = new Store(handle.buffer, true, name);
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

  /** @internal */
  static reviving(handle: SharedDictHandle, codec: unknown): void {
    reviving = { handle, codec };
  }

  /** @internal */
  static doneReviving(): void {
    reviving = undefined;
  }

  /** Number of entries (one atomic load, no lock). */
  get size(): number {
    // Pairs with the Atomics.store of COUNT in Store.setCount.
    return Atomics.load(this.#store.i32, 2);
  }

  /** The lock every operation takes: hold it to make several operations one atomic step. */
  getLock(): Lock {
    return this.#lock;
  }

  /** The value of `key`, or undefined. */
  get(key: K): V | undefined {
    const [keyLength, hash] = encodeKey(key, `${this.#name}.get(key)`);
    const bytes = this.#read(keyBuffer(), keyLength, hash);
    return bytes === undefined ? undefined : this.codec.decode(bytes);
  }

  /** `true` when `key` is present. */
  has(key: K): boolean {
    const [keyLength, hash] = encodeKey(key, `${this.#name}.has(key)`);
    const store = this.#store;
    enter(this.#lock, this.#name);
    try {
      store.check();
      return store.find(keyBuffer(), keyLength, hash) >= 0;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Sets `key` to `value`; returns this.
   *
   * @throws TypeError for a bad key or a value the codec cannot encode;
   * RangeError for an entry larger than the dict can ever hold; FullError when
   * the dict cannot grow to hold it (nothing changed in either case).
   */
  set(key: K, value: V): this {
    const [keyLength, hash] = encodeKey(key, `${this.#name}.set(key, value)`);
    const bytes = this.codec.encode(value);
    enter(this.#lock, this.#name);
    try {
      this.#write(keyBuffer(), keyLength, hash, bytes);
    } finally {
      this.#lock.release();
    }
    return this;
  }

  /** Removes `key`; `true` if it was present. */
  delete(key: K): boolean {
    const [keyLength, hash] = encodeKey(key, `${this.#name}.delete(key)`);
    const store = this.#store;
    enter(this.#lock, this.#name);
    try {
      store.check();
      const slot = store.find(keyBuffer(), keyLength, hash);
      if (slot < 0) return false;
      const offset = store.recordAt(slot);
      store.addGarbage(store.sizeAt(offset));
      store.setSlot(slot, 0, DELETED);
      store.setCount(store.count - 1);
      store.touch();
      return true;
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Atomic read-modify-write across workers: `fn(current, present)` runs
   * under the dict's lock and its result is stored. If `fn` throws, nothing
   * changes. Keep `fn` short and do not touch this dict inside it (the lock
   * is not recursive: that is a DeadlockError).
   *
   * @example
   * ```ts
   * counts.update("hits", (n = 0) => n + 1);
   * ```
   */
  update(key: K, fn: (current: V | undefined, present: boolean) => V, options?: WaitOptions): V {
    const [keyLength, hash] = this.#checkUpdate(key, fn, "update");
    const keyCopy = keyBuffer().slice(0, keyLength);
    if (options === undefined) enter(this.#lock, this.#name);
    else this.#lock.acquire(options);
    return this.#updateLocked(keyCopy, keyLength, hash, fn);
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
    const [keyLength, hash] = this.#checkUpdate(key, fn, "updateAsync");
    const keyCopy = keyBuffer().slice(0, keyLength);
    if (!this.#lock.tryAcquire()) {
      await this.#lock.acquireAsync(options ?? { timeout: STUCK_LOCK_MS });
    }
    return this.#updateLocked(keyCopy, keyLength, hash, fn);
  }

  /**
   * {@link update} that never waits: `undefined` when another worker holds
   * the lock right now (nothing changed, fn not called).
   */
  tryUpdate(key: K, fn: (current: V | undefined, present: boolean) => V): V | undefined {
    const [keyLength, hash] = this.#checkUpdate(key, fn, "tryUpdate");
    const keyCopy = keyBuffer().slice(0, keyLength);
    if (!this.#lock.tryAcquire()) return undefined;
    return this.#updateLocked(keyCopy, keyLength, hash, fn);
  }

  #checkUpdate(key: K, fn: unknown, op: string): [number, number] {
    if (typeof fn !== "function") {
      throw new TypeError(
        `${this.#name}.${op}(key, fn): fn must be a function, got ${describe(fn)}`,
      );
    }
    return encodeKey(key, `${this.#name}.${op}(key, fn)`);
  }

  // Called holding the lock; releases it.
  #updateLocked(
    keyCopy: Uint8Array,
    keyLength: number,
    hash: number,
    fn: (current: V | undefined, present: boolean) => V,
  ): V {
    const store = this.#store;
    try {
      store.check();
      const slot = store.find(keyCopy, keyLength, hash);
      let current: V | undefined;
      if (slot >= 0) {
        const offset = store.recordAt(slot);
        const start = offset + 8 + store.keyLength(offset);
        current = this.codec.decode(store.u8.slice(start, start + store.valueLength(offset)));
      }
      const next = fn(current, slot >= 0);
      this.#write(keyCopy, keyLength, hash, this.codec.encode(next));
      return next;
    } finally {
      this.#lock.release();
    }
  }

  /** Removes every entry. */
  clear(): void {
    enter(this.#lock, this.#name);
    try {
      this.#store.check();
      this.#store.clear();
    } finally {
      this.#lock.release();
    }
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
    const store = this.#store;
    const out: [DictKey, Uint8Array][] = [];
    enter(this.#lock, this.#name);
    try {
      store.check();
      for (let slot = 0; slot < store.slots; slot++) {
        const offset = store.recordAt(slot);
        if (offset === EMPTY || offset === DELETED) continue;
        const keyLength = store.keyLength(offset);
        const start = offset + 8 + keyLength;
        out.push([
          decodeKey(store.u8, offset + 8, keyLength),
          store.u8.slice(start, start + store.valueLength(offset)),
        ]);
      }
    } finally {
      this.#lock.release();
    }
    return out;
  }

  #read(key: Uint8Array, keyLength: number, hash: number): Uint8Array | undefined {
    const store = this.#store;
    enter(this.#lock, this.#name);
    try {
      store.check();
      const slot = store.find(key, keyLength, hash);
      if (slot < 0) return undefined;
      const offset = store.recordAt(slot);
      const start = offset + 8 + store.keyLength(offset);
      return store.u8.slice(start, start + store.valueLength(offset));
    } finally {
      this.#lock.release();
    }
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
    let slot = store.find(key, keyLength, hash);
    if (slot >= 0) {
      const old = store.recordAt(slot);
      if (store.sizeAt(old) === size) {
        // Same room: overwrite the value in place (no garbage, no rebuild).
        store.i32[(old >> 2) + 1] = bytes.length;
        store.u8.set(bytes, old + 8 + keyLength);
        store.touch();
        return;
      }
    }
    store.reserve(size, slot < 0);
    slot = store.find(key, keyLength, hash); // the table may have been rebuilt
    const offset = store.append(key, keyLength, bytes, bytes.length);
    if (slot >= 0) {
      store.addGarbage(store.sizeAt(store.recordAt(slot)));
      store.setSlot(slot, hash, offset);
    } else {
      const at = -slot - 1;
      if (store.recordAt(at) === EMPTY) store.i32[USED] = (store.i32[USED] as number) + 1;
      store.setSlot(at, hash, offset);
      store.setCount(store.count + 1);
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
    DictBase.reviving(DICT_KIND.validate(handle, "SharedDict.from(handle)"), options?.codec);
    try {
      return new SharedDict<K, V>();
    } finally {
      DictBase.doneReviving();
    }
  }
}
