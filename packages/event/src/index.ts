/**
 * @sabkit/event: Event in shared memory, as Python's `threading.Event`:
 * set, clear and wait (blocking with a timeout, or async) from any worker.
 *
 * @packageDocumentation
 */
export { Event, type EventHandle } from "./event.js";
