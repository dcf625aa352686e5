/**
 * BoundedSemaphore: a {@link Semaphore} whose permits never exceed the
 * initial value, as Python's `threading.BoundedSemaphore`. Same shared layout
 * as Semaphore (see semaphore.ts) with BOUND = the initial value; a distinct
 * kind (its own type tag), so `Semaphore.from(boundedHandle)` and the reverse
 * are InvalidHandleErrors rather than a silent change of semantics.
 *
 * Invariant: PERMITS <= BOUND. `release(n)` that would break it is a
 * RangeError (Python's ValueError) and changes nothing: the check and the
 * add are one CAS.
 */
import type { Placement } from "@sabkit/core";
import { attachOptions, defineKind, type HandleKind, registerKind } from "@sabkit/core/internal";
import {
  SEMAPHORE_LAYOUT,
  Semaphore,
  type SemaphoreHandle,
  type SemaphoreOptions,
} from "./semaphore.js";

/** Handle of a {@link BoundedSemaphore}. */
export type BoundedSemaphoreHandle = SemaphoreHandle<"bounded-semaphore">;

export const BOUNDED_SEMAPHORE_KIND: HandleKind<BoundedSemaphoreHandle> =
  defineKind<BoundedSemaphoreHandle>({
    kind: "bounded-semaphore",
    version: 1,
    package: "@sabkit/semaphore",
    layout: SEMAPHORE_LAYOUT,
  });

/**
 * A semaphore that refuses to be released above its initial value: a
 * `release()` without a matching `acquire()` is a RangeError instead of a
 * silent extra permit.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(2);
 * pool.acquire().release();
 * pool.release(); // RangeError: would raise the permits above the initial value 2; value stays 2
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  static {
    registerKind(BOUNDED_SEMAPHORE_KIND.kind, { from: (handle) => BoundedSemaphore.from(handle) });
  }

  /**
   * A bounded semaphore with `value` permits (default 1), which is also the
   * most it may ever hold; placed as a Semaphore (`BoundedSemaphore.byteLength`).
   *
   * @throws RangeError when `value` is not an integer in 1 .. 2^31-1.
   */
  constructor(value = 1, options?: SemaphoreOptions & Placement) {
    super(value, options);
  }

  /**
   * Revives a bounded semaphore from its handle (in a worker).
   *
   * @throws InvalidHandleError for a wrong kind (a plain Semaphore's handle
   * included), version, buffer, size or tag.
   */
  static override from(handle: unknown): BoundedSemaphore {
    const checked = BOUNDED_SEMAPHORE_KIND.validate(handle, "BoundedSemaphore.from(handle)");
    return new BoundedSemaphore(undefined, attachOptions(checked) as Placement); // the one option a user cannot spell
  }

  /** The initial value: the most permits this semaphore may hold. */
  get bound(): number {
    return this.initialValue;
  }

  protected override kind(): HandleKind<SemaphoreHandle<string>> {
    return BOUNDED_SEMAPHORE_KIND as unknown as HandleKind<SemaphoreHandle<string>>;
  }

  protected override bounded(): boolean {
    return true;
  }
}
