/**
 * SharedArray: a fixed-length typed array in shared memory (Python's
 * `multiprocessing.Array`) plus an optional lock.
 *
 * ## Shared layout (`8 + length × element size` bytes, rounded up to 8)
 *
 * | byte | field  | legal values                    | written by                        |
 * |------|--------|---------------------------------|-----------------------------------|
 * | 0    | tag    | the SharedArray kind tag        | creator, once, before the handle  |
 * | 4    | length | element count, = handle.length  | creator, once                     |
 * | 8    | data   | the elements                    | any worker                        |
 *
 * `array` is a plain typed-array view: element reads and writes are plain
 * (use `Atomics.*(shared.array, i, …)` on integer types for atomic steps, or
 * hold `getLock()` for multi-element updates). The lock is a separate RLock
 * (or the Lock/RLock passed), whose handle travels inside this handle.
 */
import type { Handle, Shareable } from "@sabkit/core";
import { InvalidHandleError } from "@sabkit/core";
import { validateCount } from "@sabkit/core/internal";
import type { Lock, RLock } from "@sabkit/lock";
import { type AnyLockHandle, parseLock, reviveLock } from "./common.js";
import {
  allocate,
  attach,
  attachedHandle,
  attachOptions,
  defineKind,
  defineLayout,
  describe,
  registerKind,
} from "./core-internal.js";
import {
  type ArrayOf,
  checkElement,
  type ElementType,
  type TypeCode,
  type TypeInfo,
  typeInfo,
  type ValueOf,
} from "./types.js";
import type { SharedScalarOptions } from "./value.js";

const HEADER_LAYOUT = defineLayout({ tag: "int32", length: "int32" });
const HEADER_BYTES = 8;

export interface SharedArrayHandle extends Handle<"shared-array"> {
  readonly type: ElementType;
  readonly length: number;
  readonly lock?: AnyLockHandle;
}

export const SHARED_ARRAY_KIND = defineKind<SharedArrayHandle>({
  kind: "shared-array",
  version: 1,
  package: "@sabkit/shared",
  layout: HEADER_LAYOUT,
});

/** The length, and the checked items if any, of `new SharedArray(type, lengthOrItems)`. */
function initialContents(
  info: TypeInfo,
  lengthOrItems: unknown,
): { items: unknown[] | undefined; length: number } {
  if (typeof lengthOrItems === "number") {
    const length = validateCount(lengthOrItems, "new SharedArray(type, length): length", {
      max: Math.floor((2 ** 31 - 16) / info.bytes),
    });
    return { items: undefined, length };
  }
  if (
    lengthOrItems !== null &&
    typeof lengthOrItems === "object" &&
    Symbol.iterator in lengthOrItems
  ) {
    const items = [...(lengthOrItems as Iterable<unknown>)];
    items.forEach((item, i) => {
      checkElement(info, item, `new SharedArray(type, items): items[${i}]`);
    });
    return { items, length: items.length };
  }
  throw new TypeError(
    `new SharedArray(type, lengthOrItems): pass a length or an iterable of items, got ${describe(lengthOrItems)}`,
  );
}

/**
 * A typed array shared by workers, with an optional lock.
 *
 * @example
 * ```ts
 * const totals = new SharedArray("d", [0, 0, 0]);    // float64 × 3, with an RLock
 * { using _ = totals.getLock().acquire(); totals.array[1] += 2.5; }
 * const counts = new SharedArray("int32", 4, { lock: false });
 * Atomics.add(counts.array, 0, 1);
 * ```
 */
export class SharedArray<T extends ElementType | TypeCode = "float64">
  implements Shareable<SharedArrayHandle>
{
  static {
    registerKind(SHARED_ARRAY_KIND.kind, { from: (handle) => SharedArray.from(handle) });
  }

  readonly handle: SharedArrayHandle;
  /** The typed-array view of the shared elements. */
  readonly array: ArrayOf<T>;
  readonly #lock: Lock | RLock | undefined;

  /**
   * @param lengthOrItems the length (elements start at 0) or the initial items.
   * @throws TypeError for an unknown type or items of the wrong JS type; RangeError for a bad length.
   */
  constructor(
    type: T,
    lengthOrItems: number | Iterable<ValueOf<T>>,
    options?: SharedScalarOptions,
  ) {
    const attached = attachedHandle<SharedArrayHandle>(options);
    let handle: SharedArrayHandle;
    let info: TypeInfo;
    if (attached !== undefined) {
      handle = attached;
      info = typeInfo(handle.type, "SharedArray.from(handle)");
      validateCountAsHandle(handle.length);
      this.#lock = reviveLock(handle.lock);
    } else {
      info = typeInfo(type, "new SharedArray(type)");
      const { items, length } = initialContents(info, lengthOrItems);
      this.#lock = parseLock(options?.lock, "new SharedArray(type, lengthOrItems, options)");
      // Its own memory: the size depends on the length, so there is no fixed-size
      // region a caller could reserve for it (no placement, unlike Value).
      const byteLength = Math.ceil((HEADER_BYTES + length * info.bytes) / 8) * 8;
      const region = attach(HEADER_LAYOUT, allocate(byteLength), 0, byteLength);
      region.i32[1] = length;
      if (items !== undefined) {
        const view = new info.ctor(region.buffer, HEADER_BYTES, length) as unknown as unknown[];
        for (let i = 0; i < length; i++) view[i] = items[i];
      }
      SHARED_ARRAY_KIND.writeTag(region.i32);
      handle = SHARED_ARRAY_KIND.makeHandle(region, {
        type: info.name,
        length,
        ...(this.#lock === undefined ? {} : { lock: this.#lock.handle }),
      } as Omit<SharedArrayHandle, keyof Handle>);
    }
    const what = "SharedArray.from(handle)";
    const i32 = SHARED_ARRAY_KIND.attachHandle(handle, what);
    const length = i32[1] as number;
    if (length !== handle.length || HEADER_BYTES + length * info.bytes > handle.byteLength) {
      throw new InvalidHandleError(
        `${what}: the shared memory holds length ${length}, the handle says ${handle.length} in ${handle.byteLength} bytes: a forged or corrupted handle`,
      );
    }
    this.handle = handle;
    this.array = new info.ctor(
      handle.buffer,
      handle.byteOffset + HEADER_BYTES,
      length,
    ) as ArrayOf<T>;
  }

  /**
   * Revives a SharedArray from its handle (in any worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size, tag or length.
   */
  static from<T extends ElementType | TypeCode = ElementType>(handle: unknown): SharedArray<T> {
    const attach = attachOptions(SHARED_ARRAY_KIND.validate(handle, "SharedArray.from(handle)"));
    // The type, the length and the lock come from the handle.
    return new SharedArray<T>(undefined as unknown as T, 0, { ...attach, lock: undefined });
  }

  /** Number of elements. */
  get length(): number {
    return this.array.length;
  }

  /** A copy of the elements as a plain array. */
  toArray(): ValueOf<T>[] {
    return Array.from(this.array as unknown as ArrayLike<ValueOf<T>>);
  }

  /**
   * The lock guarding this array (Python's `get_lock()`).
   *
   * @throws TypeError when it was created with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (this.#lock === undefined) {
      throw new TypeError(
        "SharedArray.getLock(): this array was created with { lock: false } and has no lock",
      );
    }
    return this.#lock;
  }
}

function validateCountAsHandle(length: unknown): void {
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0) {
    throw new InvalidHandleError(
      `SharedArray.from(handle): handle.length must be an integer >= 0, got ${describe(length)}`,
    );
  }
}
