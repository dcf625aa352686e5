/**
 * @sabkit/semaphore: Semaphore and BoundedSemaphore in shared memory, as
 * Python's `threading` ones, with blocking, async and try forms.
 *
 * @packageDocumentation
 */
export { BoundedSemaphore, type BoundedSemaphoreHandle } from "./bounded-semaphore.js";
export { Semaphore, type SemaphoreHandle, type SemaphoreOptions } from "./semaphore.js";
