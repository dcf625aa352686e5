/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/barrier/internal: the raw layer (functions on an Int32Array) for
 * sibling packages and tests. Not covered by semver.
 *
 * @packageDocumentation
 */
export {
  ARRIVED_MASK,
  arrivedOf,
  BARRIER_KIND,
  BARRIER_LAYOUT,
  BarrierWait,
  BROKEN,
  breakGeneration,
  GENERATION_MASK,
  GENERATION_SHIFT,
  generationOf,
  isBroken,
  MAX_PARTIES,
  OUTCOME,
  PARTIES,
  releaseGeneration,
  resetBarrier,
  SEQ,
  SPIN_LIMIT,
  STATE,
  TAG,
  TRANSITION,
  WAIT_LOOP,
  WAITERS,
} from "./barrier.js";
export * from "./index.js";
export {
  addCount,
  COUNT,
  WAIT_GROUP_KIND,
  WAIT_GROUP_LAYOUT,
  WAITERS as WAIT_GROUP_WAITERS,
  WaitGroupWait,
  ZEROS,
} from "./wait-group.js";
