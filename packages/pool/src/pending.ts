/**
 * The submissions waiting in the parent, in order: a deque whose front is an
 * index into an array (taking is O(1); the array is dropped when emptied),
 * and whose front can take back the submissions of a worker that exited
 * before starting them. A submission cancelled while it waits stays where it
 * is (SETTLED) and `take` passes over it; `size` counts only those waiting.
 * Callers of `pool.room()` wait in `RoomWaiters` for the line to shorten.
 */
import type { Deadline } from "@sabkit/core/internal";
import { PENDING, type Submission } from "./submission.js";

export class PendingTasks {
  #items: (Submission | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** Submissions waiting (PENDING). */
  get size(): number {
    return this.#size;
  }

  push(task: Submission): void {
    this.#items.push(task);
    this.#size++;
  }

  /** The first submission still waiting, removed; `undefined` when none waits. */
  take(): Submission | undefined {
    while (this.#head < this.#items.length) {
      const task = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (task !== undefined && task.state === PENDING) {
        this.#size--;
        return task;
      }
    }
    this.#items = [];
    this.#head = 0;
    return undefined;
  }

  /** Puts `tasks` back at the front, in their order, waiting again (PENDING, no worker). */
  returnToFront(tasks: readonly Submission[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) {
      const task = tasks[i]!;
      task.state = PENDING;
      task.worker = undefined;
      if (this.#head > 0) this.#items[--this.#head] = task;
      else this.#items.unshift(task);
      this.#size++;
    }
  }

  /** A waiting submission was settled where it stands (cancelled): it no longer counts. */
  forget(): void {
    this.#size--;
  }
}

/** Callers of `pool.room()` waiting for room in the line, woken together (each re-checks). */
export class RoomWaiters {
  #waiters: (() => void)[] = [];

  get size(): number {
    return this.#waiters.length;
  }

  /** Resolves once woken, when the deadline's signal aborts, or when it expires. */
  wait(deadline: Deadline): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        deadline.signal?.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.push(wake);
      deadline.signal?.addEventListener("abort", wake, { once: true });
      if (!deadline.forever) timer = setTimeout(wake, deadline.remainingMs());
    });
  }

  wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
