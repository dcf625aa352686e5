/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/queue: Python's Queue, SimpleQueue and JoinableQueue in shared
 * memory, and a typed single-producer/single-consumer RingBuffer.
 *
 * @packageDocumentation
 */
export { JoinableQueue } from "./joinable-queue.js";
export {
  Queue,
  type QueueFromOptions,
  type QueueHandle,
  type QueueOptions,
  type TryGetResult,
} from "./queue.js";
export {
  type ElementOf,
  RingBuffer,
  type RingBufferHandle,
  type RingElementArray,
  type RingElementType,
} from "./ring-buffer.js";
export type { PushAllTimeoutError } from "./ring-wait.js";
export { SimpleQueue } from "./simple-queue.js";
