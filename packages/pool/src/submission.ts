/**
 * A submission: the parent's side of one task record (one `apply`/`submit`
 * call, or one chunk of a map), from the moment it is queued until its
 * promise settles. It waits in the parent (`PendingTasks`), is sent to a
 * worker (held by that worker's `InFlight` under its seq), and settles once:
 * through `settle`, the one place that ends a submission.
 *
 * ## States
 *
 * | state   | where it is                                  | next                                   |
 * |---------|----------------------------------------------|----------------------------------------|
 * | PENDING | in the parent's `PendingTasks`               | SENT (sent), SETTLED (cancelled, pool failed) |
 * | SENT    | in a worker's task queue, held by `InFlight`  | SETTLED (answered, cancelled, crashed), PENDING (its worker exited before starting it) |
 * | SETTLED | its promise is settled, or its values are on their way through the port | — |
 */
import { AbortError, TimeoutError } from "@sabkit/core";
import type { PoolWorker } from "./pool-worker.js";
import { INPUTS_CALL, type InputsShape } from "./protocol.js";
import type { TaskFuture, TaskOptions } from "./types.js";

/** Waiting in the parent. */
export const PENDING = 0;
/** Sent to a worker, not answered. */
export const SENT = 1;
/** Settled (or answered, its values on their way through the port): nothing may settle it again. */
export const SETTLED = 2;

/** The pool's task counters (`stats()`), in items: one per call, one per item of a map chunk. */
export interface TaskCounts {
  completed: number;
  failed: number;
  cancelled: number;
  crashed: number;
}

/** How a submission ended: `completed` resolves its promise, the others reject it. */
export type Outcome = keyof TaskCounts;

export class Submission {
  state: number = PENDING;
  /** The worker it was sent to (while SENT). */
  worker: PoolWorker | undefined = undefined;
  /** Its seq on that worker (while SENT). */
  seq = 0;
  /** Stops the watch on its signal and timeout; called once, when it leaves the pool's hands. */
  cleanup: (() => void) | undefined = undefined;
  /** Items it stands for, for stats: 1 for a call, the chunk's length for a map chunk. */
  readonly items: number;

  constructor(
    readonly name: string,
    /** The argument tuple (INPUTS_CALL), argument tuples (INPUTS_TUPLES), or single arguments. */
    readonly inputs: unknown[] | Float64Array,
    readonly shape: InputsShape,
    /** Receives the record's results: an array, or a Float64Array when every result is a number (the one result of a call). */
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.items = shape === INPUTS_CALL ? 1 : inputs.length;
  }

  /** A call (`apply`/`submit`): it resolves with its one result, not an array of one. */
  get isCall(): boolean {
    return this.shape === INPUTS_CALL;
  }

  /**
   * Calls `cancel` with an AbortError when `signal` aborts, or with a TimeoutError once `timeout`
   * ms have passed; until the submission closes.
   */
  watch({ signal, timeout }: TaskOptions, cancel: (error: Error) => void): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => cancel(new AbortError(signal?.reason));
    if (timeout !== undefined) {
      timer = setTimeout(() => cancel(taskTimeoutError(this.name, timeout)), timeout);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
  }

  /** Leaves the pool's hands: SETTLED, and its signal and timeout no longer watched. */
  close(): void {
    this.state = SETTLED;
    const cleanup = this.cleanup;
    this.cleanup = undefined;
    cleanup?.();
  }
}

/** Ends `task`: closes it, counts its items under `outcome`, and resolves (completed) or rejects its promise. */
export function settle(
  task: Submission,
  counts: TaskCounts,
  outcome: Outcome,
  valueOrError: unknown,
): void {
  task.close();
  counts[outcome] += task.items;
  if (outcome === "completed") task.resolve(valueOrError);
  else task.reject(valueOrError);
}

/** The rejection of a task (or a whole map) whose timeout passed. */
export function taskTimeoutError(name: string, timeout: number): TimeoutError {
  return new TimeoutError(
    `Pool: the task "${name}" did not finish within ${timeout} ms; it was cancelled`,
  );
}

/**
 * What `submit` returns: the promise `start` settles through the resolve/reject it is given
 * (which also record that it settled), with `cancel()` (hands the submission to `cancel`
 * unless it has settled) and `done()`.
 */
export function taskFuture<T>(
  start: (resolve: (value: unknown) => void, reject: (error: unknown) => void) => Submission,
  cancel: (task: Submission) => void,
): TaskFuture<T> {
  let task: Submission | undefined;
  let settled = false;
  const future = new Promise<T>((resolve, reject) => {
    try {
      task = start(
        (value) => {
          settled = true;
          resolve(value as T);
        },
        (error) => {
          settled = true;
          reject(error);
        },
      );
    } catch (error) {
      settled = true;
      reject(error);
    }
  }) as TaskFuture<T>;
  future.cancel = () => {
    if (settled || task === undefined) return false;
    cancel(task);
    return true;
  };
  future.done = () => settled;
  return future;
}
