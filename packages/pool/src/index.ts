/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/pool: Python's `multiprocessing.Pool` on shared memory — `Pool`
 * (apply, submit, map, starmap, imap, imapUnordered), crash recovery,
 * cooperative cancellation, and `currentTask()` inside a task.
 *
 * @packageDocumentation
 */
export { currentTask, type TaskContext } from "./context.js";
export {
  type MapOptions,
  Pool,
  type PoolOptions,
  type PoolStats,
  type TaskArgs,
  type TaskFuture,
  type TaskItem,
  type TaskName,
  type TaskOptions,
  type TaskResult,
  type WorkerStats,
} from "./pool.js";
