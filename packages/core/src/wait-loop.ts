/**
 * One wait, written once, run blocking or async.
 *
 * A primitive's slow path is a {@link WaitLoop}: a small state machine whose
 * `step()` looks at shared memory and either ends the wait (returns `true`,
 * with the outcome in `result`) or says where to sleep: on `i32[index]` while
 * it still holds `expected`, for at most `sleepMs` (Infinity: until woken).
 * `finish()` undoes whatever the wait registered (a waiter count, a ticket),
 * and runs however the wait ends: done, timed out, aborted or thrown.
 *
 * The drivers differ only in how they sleep: {@link driveSync} blocks the
 * thread (`waitSync`), {@link driveAsync} awaits (`waitAsync`, aborted by the
 * signal), and {@link drive} takes any sleep, which is how the interleaving
 * explorer runs the very loop the async form runs. A primitive therefore has
 * one copy of its waiting logic, and its model tests check that copy.
 *
 * The no-lost-wake-up argument is the loop's: it registers as a waiter (if it
 * must) before its last look at the word, and sleeps only while the word
 * still holds the value it looked at (`Atomics.wait` semantics), so a change
 * made after that look wakes it or keeps it from sleeping.
 *
 * @example
 * ```ts
 * class FlagWait implements WaitLoop<boolean> {
 *   // ... fields i32, index, expected, sleepMs, result
 *   step(): boolean {
 *     const seen = Atomics.load(this.i32, FLAG);
 *     if (seen !== 0) return (this.result = true);
 *     if (this.deadline.expired) return !(this.result = false);
 *     this.expected = seen;
 *     this.sleepMs = this.deadline.remainingMs();
 *     return false;
 *   }
 * }
 * const set = driveSync(new FlagWait(i32, deadline));          // blocking form
 * const setLater = await driveAsync(new FlagWait(i32, deadline), signal); // async form
 * ```
 */
import { waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { AbortError } from "./errors.js";

/** A wait as a state machine (see the module comment). */
export interface WaitLoop<T> {
  /** The word to sleep on after a `step()` that returned false. */
  readonly i32: Int32Array;
  /** Its index in `i32`. */
  readonly index: number;
  /** Sleep only while `i32[index]` holds this (set by `step()`). */
  readonly expected: number;
  /** The longest sleep before the next `step()`, in ms; Infinity sleeps until woken (set by `step()`). */
  readonly sleepMs: number;
  /** The outcome, read once `step()` returned true. */
  readonly result: T;
  /** Advances the wait: `true` when it is over (`result` holds the outcome). May throw. */
  step(): boolean;
  /** Undoes what the wait registered; called exactly once, however the wait ends. */
  finish?(): void;
}

/** How a driver sleeps: on `i32[index]` while it holds `expected`, at most `ms`. */
export type Sleep = (i32: Int32Array, index: number, expected: number, ms: number) => unknown;

/** Runs `loop` to its end, sleeping with `sleep` between steps. */
export function drive<T>(loop: WaitLoop<T>, sleep: Sleep): T {
  try {
    // Bounded by the loop: each step ends the wait or sleeps at most sleepMs.
    while (!loop.step()) sleep(loop.i32, loop.index, loop.expected, loop.sleepMs);
    return loop.result;
  } finally {
    loop.finish?.();
  }
}

const sleepSync: Sleep = waitSync;

/** The blocking form: runs `loop` on this thread, sleeping with `waitSync` (which spins where blocking is not allowed). */
export function driveSync<T>(loop: WaitLoop<T>): T {
  return drive(loop, sleepSync);
}

/**
 * The async form: runs `loop` without blocking, sleeping with `waitAsync`.
 * An abort of `signal` during a sleep rejects with sabkit's
 * {@link AbortError} (`cause` = `signal.reason`), after `finish()`.
 */
export async function driveAsync<T>(loop: WaitLoop<T>, signal?: AbortSignal): Promise<T> {
  try {
    // Bounded by the loop, as drive's.
    while (!loop.step()) {
      try {
        await waitAsync(loop.i32, loop.index, loop.expected, loop.sleepMs, signal);
      } catch (error) {
        if (signal?.aborted) throw new AbortError(signal.reason);
        throw error;
      }
    }
    return loop.result;
  } finally {
    loop.finish?.();
  }
}
