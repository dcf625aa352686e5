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
import { notify } from "@sabkit/atomics-sync-polyfill";
import { InvalidHandleError, type WaitOptions } from "@sabkit/core";
import {
  attachOptions,
  Deadline,
  driveAsync,
  driveSync,
  MAX_COUNT,
  registerKind,
  type WaitLoop,
} from "@sabkit/core/internal";
import { JOINABLE_QUEUE_KIND, Queue, type QueueFromOptions } from "./queue.js";
import { JOIN_WAITERS, UNFINISHED } from "./record-ring.js";

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
    const valid = JOINABLE_QUEUE_KIND.validate(handle, "JoinableQueue.from(handle)");
    return new JoinableQueue<T>({ ...options, ...attachOptions(valid) });
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
    const deadline = Deadline.from(options, "JoinableQueue.join options");
    // The blocking form never looked at the signal (nothing can abort it while this thread blocks).
    driveSync(new JoinWait(this.i32, deadline, false, "JoinableQueue.join"));
  }

  /** `join` that never blocks the thread (`signal` aborts it). */
  async joinAsync(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "JoinableQueue.joinAsync options");
    await driveAsync(
      new JoinWait(this.i32, deadline, true, "JoinableQueue.joinAsync"),
      deadline.signal,
    );
  }
}

/**
 * The wait of `join` and `joinAsync`: one loop, driven blocking or async.
 * It registers in JOIN_WAITERS before its first look at UNFINISHED, ends
 * when UNFINISHED is 0, and otherwise sleeps on UNFINISHED while it holds
 * the value it loaded (see "No lost wake-up" above).
 */
export class JoinWait implements WaitLoop<void> {
  readonly i32: Int32Array;
  readonly index = UNFINISHED;
  expected = 0;
  sleepMs = 0;
  result: undefined = undefined;
  readonly #deadline: Deadline;
  readonly #abortable: boolean;
  readonly #what: string;
  #registered = false;

  constructor(i32: Int32Array, deadline: Deadline, abortable: boolean, what: string) {
    this.i32 = i32;
    this.#deadline = deadline;
    this.#abortable = abortable;
    this.#what = what;
  }

  step(): boolean {
    const i32 = this.i32;
    if (!this.#registered) {
      this.#registered = true;
      // Registers before the load below; pairs with taskDone's load of JOIN_WAITERS after its CAS.
      Atomics.add(i32, JOIN_WAITERS, 1);
    }
    if (this.#abortable) this.#deadline.throwIfAborted();
    // Pairs with the add in put and the CAS in taskDone (whose notify ends the sleep).
    const value = Atomics.load(i32, UNFINISHED);
    if (value === 0) return true;
    if (value < 0) throw corruptedUnfinished(value);
    if (this.#deadline.expired) throw this.#deadline.timeoutError(this.#what);
    this.expected = value;
    this.sleepMs = this.#deadline.remainingMs();
    return false;
  }

  finish(): void {
    // Unregisters; a taskDone that loads JOIN_WAITERS later skips the notify.
    if (this.#registered) Atomics.sub(this.i32, JOIN_WAITERS, 1);
  }
}
