/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/lock/internal: the raw mutex layer (functions on an Int32Array
 * region) for sibling packages and tests. Not covered by semver.
 *
 * @packageDocumentation
 */

export { CONDITION_LAYOUT } from "./condition.js";
export { findCycle, lockLabel, MAX_HOPS, threadLabel } from "./deadlock.js";
export * from "./index.js";
export {
  ACQUIRE_RESTORE,
  ACQUIRE_RESTORE_ASYNC,
  BEGIN_ACQUIRE,
  END_ACQUIRE,
  isLockable,
  MutexBase,
  ORDER_KEY,
  OWNED,
  RELEASE_SAVE,
} from "./lockable.js";
export {
  ASYNC_SPIN_LIMIT,
  DEPTH,
  DETECT_DEADLOCKS,
  FLAGS,
  FREE,
  HANDOFF_AFTER,
  HEIR,
  KEY_HI,
  KEY_LO,
  LOCK_KIND,
  type LockInfo,
  LockWait,
  MUTEX_BYTES,
  MUTEX_LAYOUT,
  RLOCK_KIND,
  SEQ,
  SPIN_LIMIT,
  STATE,
  tryLock,
  unlock,
  WAITERS,
} from "./mutex.js";
export { RWLOCK_LAYOUT } from "./rwlock.js";
