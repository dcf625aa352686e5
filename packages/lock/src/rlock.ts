/**
 * RLock: a recursive, owner-tracked mutex in shared memory (Python's
 * `multiprocessing.RLock`). Same words as Lock (see mutex.ts); DEPTH counts
 * the owner's nested acquisitions and is written by the owner only.
 */
import type { Placement, Shareable } from "@sabkit/core";
import { attachedHandle, attachOptions, registerKind } from "@sabkit/core/internal";
import { createMutex, type LockOptions, MutexBase } from "./lockable.js";
import { MUTEX_LAYOUT, RLOCK_KIND, type RLockHandle } from "./mutex.js";

/**
 * A recursive lock: the thread that holds it may acquire it again; it is
 * free once released as many times. Releasing from another thread is a
 * NotOwnerError. After an owner's death the taker holds it at depth 1.
 *
 * @example
 * ```ts
 * const rlock = new RLock();
 * using outer = rlock.acquire();
 * using inner = rlock.acquire(); // same thread: no wait
 * ```
 */
export class RLock extends MutexBase implements Shareable<RLockHandle> {
  static {
    registerKind(RLOCK_KIND.kind, { from: (handle) => RLock.from(handle) });
  }

  readonly handle: RLockHandle;

  /** Bytes a RLock takes in a caller's buffer (`new RLock({ buffer, byteOffset })`). */
  static readonly byteLength = MUTEX_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed RLock needs. */
  static readonly alignment = MUTEX_LAYOUT.alignment;

  /**
   * A new, free recursive lock: in its own shared memory, or at `byteOffset` of the
   * caller's `buffer` (`RLock.byteLength` bytes, zeroed first).
   *
   * @throws TypeError for bad options; InvalidHandleError for a placement that
   * is not a SharedArrayBuffer region of `RLock.byteLength` bytes aligned to `RLock.alignment`.
   */
  constructor(options?: LockOptions & Placement) {
    const handle =
      attachedHandle<RLockHandle>(options) ??
      createMutex(RLOCK_KIND, options, "new RLock(options)");
    super(handle, true, RLOCK_KIND, "RLock");
    this.handle = handle;
  }

  /**
   * Revives a recursive lock from its handle.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): RLock {
    const attach = attachOptions(RLOCK_KIND.validate(handle, "RLock.from(handle)"));
    return new RLock(attach as Placement); // the one option a user cannot spell
  }
}
