/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/barrier: Barrier (as Python's `threading.Barrier`) and WaitGroup
 * (a countdown latch, as Go's `sync.WaitGroup`) in shared memory.
 *
 * @packageDocumentation
 */
export { Barrier, type BarrierHandle, type BarrierOptions } from "./barrier.js";
export { WaitGroup, type WaitGroupHandle } from "./wait-group.js";
