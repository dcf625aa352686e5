/**
 * Lock: a non-recursive mutex in shared memory (Python's
 * `multiprocessing.Lock`), owner-tracked and robust to owner death.
 *
 * Its shared layout, transitions, invariants, fairness policy and the
 * no-lost-wake-up argument are at the top of mutex.ts (Lock and RLock share
 * them; the tag tells them apart).
 */
import type { Guard, Placement, Shareable, WaitOptions } from "@sabkit/core";
import { attachedHandle, attachOptions, registerKind } from "@sabkit/core/internal";
import { acquireAll, acquireAllAsync } from "./all.js";
import { createMutex, type Lockable, type LockOptions, MutexBase } from "./lockable.js";
import { LOCK_KIND, type LockHandle, MUTEX_LAYOUT } from "./mutex.js";

/**
 * A mutual-exclusion lock shared by workers. Not recursive: acquiring it
 * again from the thread that holds it is a DeadlockError (use RLock).
 *
 * @example
 * ```ts
 * const lock = new Lock({ name: "counter" });
 * {
 *   using held = lock.acquire({ timeout: 1000 });
 *   counter[0]++;
 * } // released here
 * worker.postMessage(share({ lock })); // or lock.handle -> Lock.from(handle)
 * ```
 */
export class Lock extends MutexBase implements Shareable<LockHandle> {
  static {
    registerKind(LOCK_KIND.kind, { from: (handle) => Lock.from(handle) });
  }

  /** The structured-cloneable handle; `Lock.from(handle)` revives it in another worker. */
  readonly handle: LockHandle;

  /** Bytes a Lock takes in a caller's buffer (`new Lock({ buffer, byteOffset })`). */
  static readonly byteLength = MUTEX_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed Lock needs. */
  static readonly alignment = MUTEX_LAYOUT.alignment;

  /**
   * A new, free lock: in its own shared memory, or at `byteOffset` of the
   * caller's `buffer` (`Lock.byteLength` bytes, zeroed first).
   *
   * @throws TypeError for bad options; InvalidHandleError for a placement that
   * is not a SharedArrayBuffer region of `Lock.byteLength` bytes aligned to `Lock.alignment`.
   */
  constructor(options?: LockOptions & Placement) {
    const handle =
      attachedHandle<LockHandle>(options) ?? createMutex(LOCK_KIND, options, "new Lock(options)");
    super(handle, false, LOCK_KIND, "Lock");
    this.handle = handle;
  }

  /**
   * Revives a lock from its handle (in any worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): Lock {
    const attach = attachOptions(LOCK_KIND.validate(handle, "Lock.from(handle)"));
    return new Lock(attach as Placement); // the one option a user cannot spell
  }

  /**
   * Acquires every lock in `locks` (Locks and RLocks) in one global order,
   * whatever order they are given in, so two threads calling it with the
   * same locks never deadlock; returns one guard that releases them all. On
   * failure (timeout, abort) it holds none of them. The timeout covers the
   * whole call.
   *
   * @example
   * ```ts
   * using both = Lock.all([from, to], { timeout: 1000 });
   * transfer(from, to);
   * ```
   */
  static all(locks: Iterable<Lockable>, options?: WaitOptions): Guard {
    return acquireAll(locks, options);
  }

  /** {@link Lock.all} without blocking the thread. */
  static allAsync(locks: Iterable<Lockable>, options?: WaitOptions): Promise<Guard> {
    return acquireAllAsync(locks, options);
  }
}
