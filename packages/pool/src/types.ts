/**
 * The public declarations of `@sabkit/pool`: the task-name helpers that type a
 * pool by its module, the options of `new Pool`, of a task and of the map
 * family, and what `stats()` returns.
 */
import type { ResourceLimits } from "@sabkit/process";

/** Names of the module's exported functions. */
export type TaskName<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;
/** The argument tuple of task `K`. */
export type TaskArgs<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;
/** The (awaited) result of task `K`. */
export type TaskResult<M, K extends keyof M> = M[K] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;
/** The first argument of task `K` (what `map` passes). */
export type TaskItem<M, K extends keyof M> =
  TaskArgs<M, K> extends [infer A, ...unknown[]]
    ? A
    : // An untyped pool's tasks take any[]: their items are any, not never.
      TaskArgs<M, K> extends (infer A)[]
      ? A
      : never;

/** Options of `new Pool(...)`. */
export interface PoolOptions {
  /** Number of workers (default: the number of cores, at least 1). */
  processes?: number;
  /** Name of an exported function of the module run once in each worker before its first task. */
  initializer?: string;
  /** Arguments of the initializer. */
  initArgs?: unknown[];
  /** Replace a worker after it ran this many records (an `apply`, or one `map` chunk). Default: never. */
  maxTasksPerChild?: number;
  /** Default chunk size of `imap`/`imapUnordered` (default 1); `map`/`starmap` compute one when not given. */
  chunksize?: number;
  /** Most tasks waiting in the parent (not yet sent to a worker); beyond it `apply`/`submit` reject with FullError. Default: unbounded. */
  maxQueue?: number;
  /** Milliseconds a cancelled task may keep running before its worker is replaced (default 1000). */
  cancelGrace?: number;
  /** Unexpected worker exits in a row (no result in between) that break the pool (default 8). */
  maxCrashes?: number;
  /** Node only: each worker's heap limits (e.g. `{ maxOldGenerationSizeMb: 64 }`). */
  resourceLimits?: ResourceLimits;
  /** Record a run-time histogram per worker (`stats().histogram`). Default false. */
  histogram?: boolean;
  /**
   * The URL of the pool's worker module (one exporting `runPoolWorker`, as `@sabkit/pool`'s
   * `worker.js` does). Default: `worker.js` next to this module. Give it when a bundler moves
   * the files (see the README, "In a browser page").
   */
  workerUrl?: string | URL;
}

/** Per-task options. */
export interface TaskOptions {
  /** Aborting rejects the task with AbortError (a queued task is removed, a running one is cancelled). */
  signal?: AbortSignal;
  /** Milliseconds from submission; then the task rejects with TimeoutError and is cancelled. */
  timeout?: number;
}

/** Options of `map`, `starmap`, `imap`, `imapUnordered`. */
export interface MapOptions extends TaskOptions {
  /** Items per record sent to a worker. */
  chunksize?: number;
}

/** What `submit` returns: a Promise of the result that can also be cancelled. */
export interface TaskFuture<T> extends Promise<T> {
  /** Cancels the task (rejects it with AbortError); `false` if it had already settled. */
  cancel(): boolean;
  /** Whether the task has settled. */
  done(): boolean;
}

/** One worker in `stats()`. */
export interface WorkerStats {
  readonly index: number;
  readonly generation: number;
  readonly threadId: number | null;
  /** Records (tasks or chunks) this worker answered. */
  readonly completed: number;
  /** Milliseconds spent running tasks. */
  readonly busyMs: number;
  /** busyMs / the worker's age (0..1). */
  readonly utilization: number;
}

/** `pool.stats()`. */
export interface PoolStats {
  /** Tasks (items) that resolved. */
  readonly completed: number;
  /** Tasks that rejected with the task's own error. */
  readonly failed: number;
  /** Tasks rejected by abort or timeout, or by `terminate()` or a broken pool before they finished. */
  readonly cancelled: number;
  /** Tasks rejected with WorkerCrashedError. */
  readonly crashed: number;
  /** Records waiting in the parent. */
  readonly queued: number;
  /** Records sent to workers and not answered. */
  readonly inFlight: number;
  /** Workers started in total (replacements included). */
  readonly workersStarted: number;
  readonly workers: readonly WorkerStats[];
  /** Run-time histogram (all workers): counts per log2(µs) bucket; only with `histogram: true`. */
  readonly histogram?: readonly number[];
}

// biome-ignore lint/suspicious/noExplicitAny: an untyped pool takes any arguments
export type AnyTasks = Record<string, (...args: any[]) => unknown>;
