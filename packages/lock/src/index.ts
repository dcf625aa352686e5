/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/lock: Lock, RLock, RwLock and Condition in shared memory, with
 * deadlock avoidance (`Lock.all`), opt-in deadlock detection and owner-death
 * recovery (`OwnerDiedError`).
 *
 * @packageDocumentation
 */
export { Condition, type ConditionHandle, MAX_WAITERS } from "./condition.js";
export { Lock } from "./lock.js";
export type { Lockable, LockOptions } from "./lockable.js";
export type { LockHandle, RLockHandle } from "./mutex.js";
export { RLock } from "./rlock.js";
export { RwLock, type RwLockHandle } from "./rwlock.js";
