/**
 * @sabkit/process: Python's `multiprocessing.Process` on workers —
 * `Process`, `currentProcess`, `isMainProcess`.
 *
 * @packageDocumentation
 */
export { currentProcess, isMainProcess, type ProcessInfo } from "./current.js";
export { Process, type ProcessOptions, type ResourceLimits } from "./process.js";
