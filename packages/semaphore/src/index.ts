/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/semaphore: Semaphore and BoundedSemaphore in shared memory, as
 * Python's `threading` ones, with blocking, async and try forms.
 *
 * @packageDocumentation
 */
export { BoundedSemaphore, type BoundedSemaphoreHandle } from "./bounded-semaphore.js";
export { Semaphore, type SemaphoreHandle, type SemaphoreOptions } from "./semaphore.js";
