/**
 * The running task's context, inside a pool worker: `currentTask()`.
 *
 * A task sees its cancellation (an abort or a timeout in the parent) through
 * a word in shared memory (the worker slot's CANCEL word, see `slot.ts`), so
 * even a synchronous loop can check it without giving the event loop a turn:
 *
 * ```ts
 * import { currentTask } from "@sabkit/pool";
 * export function crunch(n: number) {
 *   let sum = 0;
 *   for (let i = 0; i < n; i++) {
 *     if ((i & 0xffff) === 0) currentTask().throwIfCancelled();
 *     sum += i;
 *   }
 *   return sum;
 * }
 * ```
 */
import { AbortError, SabkitError } from "@sabkit/core";
import { isCancelled } from "./slot.js";

/** What a task can know about itself while it runs. */
export interface TaskContext {
  /** The pool worker's index (0 .. processes-1; a replacement worker takes the index of the one it replaces). */
  readonly workerIndex: number;
  /** The worker's generation: 1 for the first worker at an index, +1 for each replacement. */
  readonly workerGeneration: number;
  /** `true` once the parent cancelled this task (its signal aborted or its timeout passed). One shared-memory load. */
  cancelled(): boolean;
  /** Throws an AbortError when {@link cancelled} is true. */
  throwIfCancelled(): void;
  /**
   * An AbortSignal that aborts when the task is cancelled (checked every few
   * milliseconds while the task awaits; a synchronous loop should call
   * `cancelled()` instead).
   */
  readonly signal: AbortSignal;
}

const POLL_MS = 5;

/** @internal Set by the worker loop around each record. */
export class RunningTask implements TaskContext {
  readonly workerIndex: number;
  readonly workerGeneration: number;
  readonly #slot: Int32Array;
  readonly #seq: number;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(slot: Int32Array, seq: number, workerIndex: number, workerGeneration: number) {
    this.#slot = slot;
    this.#seq = seq;
    this.workerIndex = workerIndex;
    this.workerGeneration = workerGeneration;
  }

  cancelled(): boolean {
    return isCancelled(this.#slot, this.#seq);
  }

  throwIfCancelled(): void {
    if (this.cancelled())
      throw new AbortError(undefined, "the pool cancelled this task (aborted or timed out)");
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.cancelled()) controller.abort(new AbortError());
      else {
        this.#timer = setInterval(() => {
          if (this.cancelled()) {
            clearInterval(this.#timer);
            controller.abort(
              new AbortError(undefined, "the pool cancelled this task (aborted or timed out)"),
            );
          }
        }, POLL_MS);
      }
    }
    return this.#controller.signal;
  }

  /** Stops the polling timer (the worker calls it when the record is done). */
  end(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}

// On globalThis under a registry symbol, not in a module variable: the task module may load its
// own copy of @sabkit/pool (a browser bundle per worker entry, or a second installed copy), and
// its currentTask() must see the task the worker loop of the other copy is running.
const CURRENT_KEY = Symbol.for("sabkit.pool.currentTask");
const scope = globalThis as unknown as Record<symbol, TaskContext | undefined>;

/** @internal */
export function setCurrentTask(task: RunningTask | undefined): void {
  scope[CURRENT_KEY] = task;
}

/**
 * The context of the task running in this pool worker.
 *
 * @throws SabkitError outside a pool task (the main thread, a plain worker).
 */
export function currentTask(): TaskContext {
  const current = scope[CURRENT_KEY];
  if (current === undefined) {
    throw new SabkitError(
      "currentTask(): no pool task is running in this thread; call it from a function run by a Pool",
    );
  }
  return current;
}
