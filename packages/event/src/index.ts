/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/event: Event in shared memory, as Python's `threading.Event`:
 * set, clear and wait (blocking with a timeout, or async) from any worker.
 *
 * @packageDocumentation
 */
export { Event, type EventHandle } from "./event.js";
