/**
 * RLock: a recursive, owner-tracked mutex in shared memory (Python's
 * `multiprocessing.RLock`). Same words as Lock (see mutex.ts); DEPTH counts
 * the owner's nested acquisitions and is written by the owner only.
 */
import type { Shareable } from "@sabkit/core";
import { allocate, attach, registerKind } from "@sabkit/core/internal";
import { type LockOptions, MutexBase, parseLockOptions } from "./lockable.js";
import { initMutex, MUTEX_LAYOUT, RLOCK_KIND, type RLockHandle } from "./mutex.js";

let reviving: RLockHandle | undefined;

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

  /** A new, free recursive lock in its own shared memory. */
  constructor(options?: LockOptions) {
    let handle = reviving;
    reviving = undefined;
    if (handle === undefined) {
      const { name, detectDeadlocks } = parseLockOptions(options, "new RLock(options)");
      const region = attach(MUTEX_LAYOUT, allocate(MUTEX_LAYOUT));
      RLOCK_KIND.writeTag(region.i32);
      initMutex(region.i32, detectDeadlocks);
      handle = RLOCK_KIND.makeHandle(region, name === undefined ? undefined : { name });
    }
    super(handle, true, RLOCK_KIND, "RLock");
    this.handle = handle;
  }

  /**
   * Revives a recursive lock from its handle.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): RLock {
    reviving = RLOCK_KIND.validate(handle, "RLock.from(handle)");
    try {
      return new RLock();
    } finally {
      reviving = undefined;
    }
  }
}
