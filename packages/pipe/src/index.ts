/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/pipe: Python's `Pipe` and `Connection` over shared memory, with
 * WHATWG streams on each end (a Node Duplex in `@sabkit/pipe/node`).
 *
 * @packageDocumentation
 */
export {
  Connection,
  type ConnectionFromOptions,
  type ConnectionHandle,
  Pipe,
  type PipeOptions,
  type TryRecvResult,
} from "./connection.js";
