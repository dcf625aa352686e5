/**
 * @sabkit/barrier: Barrier (as Python's `threading.Barrier`) and WaitGroup
 * (a countdown latch, as Go's `sync.WaitGroup`) in shared memory.
 *
 * @packageDocumentation
 */
export { Barrier, type BarrierHandle, type BarrierOptions } from "./barrier.js";
export { WaitGroup, type WaitGroupHandle } from "./wait-group.js";
