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
