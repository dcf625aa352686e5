/**
 * Value: one typed scalar in shared memory (Python's `multiprocessing.Value`).
 *
 * ## Shared layout (`VALUE_LAYOUT`, 16 bytes)
 *
 * | byte | field | legal values                          | written by                        |
 * |------|-------|---------------------------------------|-----------------------------------|
 * | 0    | tag   | the Value kind tag                    | creator, once, before the handle  |
 * | 4    | type  | index of the element type (see below) | creator, once                     |
 * | 8    | data  | the scalar (1 to 8 bytes, at byte 8)  | any worker (`value =`, `add`, …)  |
 *
 * The optional lock is a separate RLock (or the Lock/RLock you pass), whose
 * handle travels inside the Value's handle.
 *
 * A Value has a fixed size, so it can be placed in a buffer the caller owns:
 * `new Value("i", 0, { buffer, byteOffset })` uses `Value.byteLength` bytes
 * from `byteOffset` (aligned to `Value.alignment`), zeroed first (core's
 * placeRegion). SharedArray and SharedMemory, whose size depends on their
 * length, and the growable SharedList / SharedDict always allocate their own
 * memory.
 *
 * ## Ordering
 *
 * Integer types read and write `data` with `Atomics.load` / `Atomics.store`
 * (and `add`, `compareExchange`), so a read never sees a torn value and the
 * write publishes everything the writer did before it. Float types have no
 * Atomics: with a lock, `.value` get/set take it (the lock's acquire/release
 * order them); without a lock they are plain accesses (a float64 may tear on
 * exotic platforms). `v.value += 1` is a read then a write — two steps that
 * other workers can interleave (lost updates): hold `getLock()` around it, or
 * use `add`.
 */
import type { Handle, Placement, Shareable } from "@sabkit/core";
import type { Lock, RLock } from "@sabkit/lock";
import { type AnyLockHandle, type LockOption, parseLock, reviveLock } from "./common.js";
import {
  attachedHandle,
  attachOptions,
  defineKind,
  defineLayout,
  InvalidHandleError,
  placeRegion,
  registerKind,
} from "./core-internal.js";
import {
  type Canonical,
  checkElement,
  type ElementType,
  type TypeCode,
  type TypeInfo,
  typeInfo,
  type ValueOf,
} from "./types.js";

export const VALUE_LAYOUT = defineLayout({
  tag: "int32",
  type: "int32",
  data: { type: "bytes", byteLength: 8, align: 8 },
});

export interface ValueHandle extends Handle<"value"> {
  readonly type: ElementType;
  readonly lock?: AnyLockHandle;
}

export const VALUE_KIND = defineKind<ValueHandle>({
  kind: "value",
  version: 1,
  package: "@sabkit/shared",
  layout: VALUE_LAYOUT,
});

/** Byte offset of `data` in the region (see the layout table). */
const DATA_BYTE = VALUE_LAYOUT.fields.data.byteOffset;

/** Options of {@link Value} and SharedArray. */
export interface SharedScalarOptions {
  /** `true` (default): a new RLock; `false`: none; or a Lock/RLock to use. */
  lock?: LockOption;
}

type View =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

const TYPE_ORDER: readonly ElementType[] = [
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "bigint64",
  "biguint64",
  "float32",
  "float64",
];

/**
 * A typed scalar shared by workers.
 *
 * @example
 * ```ts
 * const counter = new Value("i", 0);          // int32, with an RLock
 * counter.add(1);                              // atomic
 * { using _ = counter.getLock().acquire(); counter.value = counter.value * 2; }
 * worker.postMessage(counter.handle);          // Value.from(handle) there
 * ```
 */
export class Value<T extends ElementType | TypeCode = "float64"> implements Shareable<ValueHandle> {
  static {
    registerKind(VALUE_KIND.kind, { from: (handle) => Value.from(handle) });
  }

  /** Bytes a Value takes in a caller's buffer (`new Value(type, initial, { buffer, byteOffset })`). */
  static readonly byteLength = VALUE_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed Value needs. */
  static readonly alignment = VALUE_LAYOUT.alignment;

  readonly handle: ValueHandle;
  /** The element type (canonical name). */
  readonly type: Canonical<T>;
  readonly #info: TypeInfo;
  readonly #view: View;
  readonly #lock: Lock | RLock | undefined;

  /**
   * @param type an element type name (`"int32"`, `"float64"`, …) or a Python code (`"i"`, `"d"`, …).
   * @param initial the initial value (default 0 / 0n).
   * @throws TypeError for an unknown type or a value of the wrong JS type.
   */
  constructor(type: T, initial?: ValueOf<T>, options?: SharedScalarOptions & Placement) {
    const attached = attachedHandle<ValueHandle>(options);
    let handle: ValueHandle;
    let lock: Lock | RLock | undefined;
    if (attached !== undefined) {
      handle = attached;
      this.#info = typeInfo(handle.type, "Value.from(handle)");
      lock = reviveLock(handle.lock);
    } else {
      this.#info = typeInfo(type, "new Value(type)");
      if (options !== undefined && (options === null || typeof options !== "object")) {
        throw new TypeError(
          "new Value(type, initial, options): options must be an object like { lock: true }",
        );
      }
      const what = "new Value(type, initial, options)";
      lock = parseLock(options?.lock, what);
      const start = initial === undefined ? (this.#info.bigint ? 0n : 0) : initial;
      checkElement(this.#info, start, "new Value(type, initial)");
      const region = placeRegion(VALUE_LAYOUT, options, what);
      region.i32[1] = TYPE_ORDER.indexOf(this.#info.name);
      const view = new this.#info.ctor(region.buffer, region.byteOffset + DATA_BYTE, 1) as View;
      (view as unknown as unknown[])[0] = start;
      VALUE_KIND.writeTag(region.i32);
      handle = VALUE_KIND.makeHandle(region, {
        type: this.#info.name,
        ...(lock === undefined ? {} : { lock: lock.handle }),
      } as Omit<ValueHandle, keyof Handle>);
    }
    const i32 = VALUE_KIND.attachHandle(handle, "Value.from(handle)");
    const storedType = i32[1];
    if (TYPE_ORDER[storedType as number] !== this.#info.name) {
      throw new InvalidHandleError(
        `Value.from(handle): handle.type is ${this.#info.name} but the shared memory holds type #${storedType}: a forged or corrupted handle`,
      );
    }
    this.handle = handle;
    this.type = this.#info.name as Canonical<T>;
    this.#lock = lock;
    this.#view = new this.#info.ctor(handle.buffer, handle.byteOffset + DATA_BYTE, 1) as View;
  }

  /**
   * Revives a Value from its handle (in any worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size, tag or type.
   */
  static from<T extends ElementType | TypeCode = ElementType>(handle: unknown): Value<T> {
    const attach = attachOptions(VALUE_KIND.validate(handle, "Value.from(handle)"));
    // The type and the lock come from the handle.
    return new Value<T>(undefined as unknown as T, undefined, { ...attach, lock: undefined });
  }

  /** The value. Integer types: one atomic load; float types: under the lock when there is one. */
  get value(): ValueOf<T> {
    const view = this.#view;
    if (this.#info.atomic) {
      // Pairs with the Atomics.store / add / compareExchange of any writer.
      return Atomics.load(view as Int32Array, 0) as ValueOf<T>;
    }
    const lock = this.#lock;
    if (lock === undefined) return view[0] as ValueOf<T>;
    using _ = lock.acquire();
    return view[0] as ValueOf<T>;
  }

  set value(next: ValueOf<T>) {
    checkElement(this.#info, next, "Value.value = x");
    const view = this.#view;
    if (this.#info.atomic) {
      // Publishes the value; received by the Atomics.load in `get value`.
      Atomics.store(view as Int32Array, 0, next as number);
      return;
    }
    const lock = this.#lock;
    if (lock === undefined) {
      view[0] = next as number;
      return;
    }
    using _ = lock.acquire();
    view[0] = next as number;
  }

  /**
   * Atomically adds `delta` (integer types); returns the previous value.
   * Wraps around like the typed array does.
   *
   * @throws TypeError for float types (hold getLock() and use `.value`).
   */
  add(delta: ValueOf<T>): ValueOf<T> {
    this.#checkAtomic("add");
    checkElement(this.#info, delta, "Value.add(delta)");
    // Read-modify-write in one step; later loads of any worker see the sum.
    return Atomics.add(this.#view as Int32Array, 0, delta as number) as ValueOf<T>;
  }

  /**
   * Atomically sets the value to `replacement` if it equals `expected`;
   * returns the value found (equal to `expected` when it succeeded).
   *
   * @throws TypeError for float types.
   */
  compareExchange(expected: ValueOf<T>, replacement: ValueOf<T>): ValueOf<T> {
    this.#checkAtomic("compareExchange");
    checkElement(this.#info, expected, "Value.compareExchange(expected)");
    checkElement(this.#info, replacement, "Value.compareExchange(replacement)");
    // Publishes `replacement` only on success; received by later Atomics loads.
    return Atomics.compareExchange(
      this.#view as Int32Array,
      0,
      expected as number,
      replacement as number,
    ) as ValueOf<T>;
  }

  /**
   * The lock guarding this Value (Python's `get_lock()`).
   *
   * @throws TypeError when it was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (this.#lock === undefined) {
      throw new TypeError(
        "Value.getLock(): this Value was created with { lock: false } and has no lock",
      );
    }
    return this.#lock;
  }

  #checkAtomic(op: string): void {
    if (!this.#info.atomic) {
      throw new TypeError(
        `Value.${op}: ${this.#info.name} has no atomic ${op} (Atomics work on integers only); ` +
          "hold getLock() and update .value instead",
      );
    }
  }
}
