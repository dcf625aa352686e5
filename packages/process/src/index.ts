/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/process: Python's `multiprocessing.Process` on workers —
 * `Process`, `currentProcess`, `isMainProcess`.
 *
 * @packageDocumentation
 */
export { currentProcess, isMainProcess, type ProcessInfo } from "./current.js";
export {
  Process,
  type ProcessOptions,
  type ResourceLimits,
  type TransferableObject,
  type WebWorker,
} from "./process.js";
