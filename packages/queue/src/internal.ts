/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/queue/internal: layouts, word indices and test hooks, for sibling
 * packages and tests. Not covered by semver.
 *
 * @packageDocumentation
 */

export { JoinWait } from "./joinable-queue.js";
export { DEFAULT_CAPACITY, JOINABLE_QUEUE_KIND, QUEUE_KIND, SIMPLE_QUEUE_KIND } from "./queue.js";
export { CONTENDED, LOCKED, lockQueue, UNLOCKED, unlockQueue } from "./queue-lock.js";
export {
  ASYNC_SPINS,
  GetWait,
  PutWait,
  passWakeOn,
  ReadableWait,
  SPINS,
} from "./queue-waits.js";
export {
  CAPACITY,
  CLOSED,
  COUNT,
  DATA_OFFSET,
  DATA_SEQ,
  DATA_WAITERS,
  HEAD,
  JOIN_WAITERS,
  LOCK,
  LOCK_OWNER,
  MAX_CAPACITY,
  MAX_SIZE,
  QUEUE_HEADER,
  RECORD_HEADER_BYTES,
  RecordRing,
  SPACE_SEQ,
  SPACE_WAITERS,
  UNFINISHED,
  USED_BYTES,
} from "./record-ring.js";
export {
  CONSUMER_WAITING,
  ELEMENT_TYPE,
  MAX_RING_CAPACITY,
  PRODUCER_WAITING,
  READ_INDEX,
  READ_SLOT,
  RING_CAPACITY,
  RING_CLOSED,
  RING_DATA_OFFSET,
  RING_HEADER,
  startRingIndicesAt,
  WRITE_INDEX,
  WRITE_SLOT,
} from "./ring-buffer.js";
export { PopSomeWait, PushAllWait } from "./ring-wait.js";
export { SIMPLE_QUEUE_CAPACITY } from "./simple-queue.js";
export { Scratch, Stage } from "./staging.js";
