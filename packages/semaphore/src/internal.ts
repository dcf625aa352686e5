/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/semaphore/internal: the raw layer (functions on an Int32Array) for
 * sibling packages and tests. Not covered by semver.
 *
 * @packageDocumentation
 */
export { BOUNDED_SEMAPHORE_KIND } from "./bounded-semaphore.js";
export {
  claimSlot,
  findSlot,
  MAX_HOLDER_SLOTS,
  RECLAIMING,
  reclaimDead,
  SLOT_WORDS,
} from "./holders.js";
export * from "./index.js";
export {
  BEGIN_ACQUIRE,
  BOUND,
  give,
  HOLDER_SLOTS,
  PERMITS,
  RECLAIMED,
  SEMAPHORE_KIND,
  SEMAPHORE_LAYOUT,
  SemaphoreWait,
  SPIN_LIMIT,
  semaphoreByteLength,
  TABLE,
  TAG,
  tryTake,
  WAITERS,
} from "./semaphore.js";
