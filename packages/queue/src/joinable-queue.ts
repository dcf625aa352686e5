/**
 * JoinableQueue: a Queue that counts unfinished tasks (Python's
 * `multiprocessing.JoinableQueue`). Same shared layout as Queue (queue.ts);
 * it uses two more header words:
 *
 * | word | field       | legal values                          | written by                            |
 * |------|-------------|---------------------------------------|---------------------------------------|
 * | 8    | unfinished  | >= 0: items put minus taskDone() calls | put (Atomics.add under the lock), taskDone (CAS) |
 * | 13   | joinWaiters | >= 0: join() callers registered        | join (add/sub)                        |
 *
 * Transitions: every committed put adds its item count; `taskDone()` moves
 * `unfinished` from v to v - 1 by CAS (v = 0 is a RangeError: more calls than
 * items); the call that reaches 0 wakes the joiners if any registered.
 *
 * No lost wake-up: join registers in `joinWaiters`, then loads `unfinished`
 * and sleeps on that word expecting the value it loaded; taskDone changes the
 * word first, then reads `joinWaiters`. Any change of the word ends the
 * sleep ("not-equal"), and join re-checks.
 */
import { notify, waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { InvalidHandleError, type WaitOptions } from "@sabkit/core";
import { Deadline, MAX_COUNT, registerKind } from "@sabkit/core/internal";
import {
  attachQueue,
  JOIN_WAITERS,
  JOINABLE_QUEUE_KIND,
  Queue,
  type QueueFromOptions,
  UNFINISHED,
} from "./queue.js";

/** Bound on CAS retries in taskDone (each retry means another thread moved the word). */
const MAX_CAS_RETRIES = 1 << 20;

function corruptedUnfinished(value: number): InvalidHandleError {
  return new InvalidHandleError(
    `JoinableQueue: its unfinished-task count holds ${value}: the queue's memory was overwritten; create a new queue`,
  );
}

/**
 * A Queue whose consumers report each item as done (`taskDone()`), so that a
 * producer can wait for all work to finish (`join()`).
 *
 * @example
 * ```ts
 * const tasks = new JoinableQueue<number>();
 * tasks.putMany([1, 2, 3]);
 * // consumers: const n = tasks.get(); work(n); tasks.taskDone();
 * await tasks.joinAsync({ timeout: 10_000 });
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  static {
    registerKind(JOINABLE_QUEUE_KIND.kind, { from: (handle) => JoinableQueue.from(handle) });
  }
  protected static override readonly kindSpec = JOINABLE_QUEUE_KIND;

  static override from<T = unknown>(
    handle: unknown,
    options?: QueueFromOptions<T>,
  ): JoinableQueue<T> {
    return attachQueue(
      JoinableQueue<T>,
      "JoinableQueue",
      JOINABLE_QUEUE_KIND,
      handle,
      options as QueueFromOptions<unknown>,
    );
  }

  /** Items put but not yet marked done (a snapshot). */
  get unfinishedTasks(): number {
    // Pairs with the add in put and the CAS in taskDone.
    const value = Atomics.load(this.i32, UNFINISHED);
    if (value < 0) throw corruptedUnfinished(value);
    return value;
  }

  /**
   * Marks one item taken with `get` as processed.
   *
   * @throws RangeError when called more times than items were put.
   */
  taskDone(): void {
    const i32 = this.i32;
    for (let retry = 0; retry < MAX_CAS_RETRIES; retry++) {
      const value = Atomics.load(i32, UNFINISHED);
      if (value === 0) {
        throw new RangeError(
          "JoinableQueue.taskDone() called more times than items were put: call it once per item you got",
        );
      }
      if (value < 0 || value > MAX_COUNT) throw corruptedUnfinished(value);
      // Publishes the decrement; pairs with join's load of UNFINISHED.
      if (Atomics.compareExchange(i32, UNFINISHED, value, value - 1) === value) {
        // Wakes joiners only when the count reached 0 and someone registered.
        if (value === 1 && Atomics.load(i32, JOIN_WAITERS) > 0) notify(i32, UNFINISHED);
        return;
      }
    }
    throw corruptedUnfinished(Atomics.load(i32, UNFINISHED));
  }

  /** Waits until every item put has been marked done (`timeout` ms at most). @throws TimeoutError */
  join(options?: WaitOptions): void {
    const i32 = this.i32;
    const deadline = Deadline.from(options, "JoinableQueue.join options");
    Atomics.add(i32, JOIN_WAITERS, 1);
    try {
      for (;;) {
        const value = Atomics.load(i32, UNFINISHED);
        if (value === 0) return;
        if (value < 0) throw corruptedUnfinished(value);
        if (deadline.expired) throw deadline.timeoutError("JoinableQueue.join");
        waitSync(i32, UNFINISHED, value, deadline.remainingMs());
      }
    } finally {
      Atomics.sub(i32, JOIN_WAITERS, 1);
    }
  }

  /** `join` that never blocks the thread (`signal` aborts it). */
  async joinAsync(options?: WaitOptions): Promise<void> {
    const i32 = this.i32;
    const deadline = Deadline.from(options, "JoinableQueue.joinAsync options");
    Atomics.add(i32, JOIN_WAITERS, 1);
    try {
      for (;;) {
        deadline.throwIfAborted();
        const value = Atomics.load(i32, UNFINISHED);
        if (value === 0) return;
        if (value < 0) throw corruptedUnfinished(value);
        if (deadline.expired) throw deadline.timeoutError("JoinableQueue.joinAsync");
        try {
          await waitAsync(i32, UNFINISHED, value, deadline.remainingMs(), deadline.signal);
        } catch (error) {
          deadline.throwIfAborted();
          throw error;
        }
      }
    } finally {
      Atomics.sub(i32, JOIN_WAITERS, 1);
    }
  }
}
