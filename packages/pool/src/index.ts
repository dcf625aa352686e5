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
export { Pool } from "./pool.js";
export type {
  MapOptions,
  PoolOptions,
  PoolStats,
  TaskArgs,
  TaskFuture,
  TaskItem,
  TaskName,
  TaskOptions,
  TaskResult,
  WorkerStats,
} from "./types.js";
