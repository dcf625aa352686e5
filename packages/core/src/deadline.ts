/**
 * A point in time by which a wait must end, made once from the caller's
 * {@link WaitOptions} and consulted on every sleep of a wait loop.
 *
 * Time comes from `performance.now()` (monotonic: a wall-clock change never
 * stretches or shortens a wait).
 */
import { TimeoutError } from "./errors.js";
import { parseWaitOptions, throwIfAborted, validateTimeout, type WaitOptions } from "./options.js";

const now = (): number => performance.now();

/**
 * The deadline of one wait.
 *
 * @example
 * ```ts
 * // the slow path of a blocking acquire
 * const deadline = Deadline.from(options);
 * while (!tryLock(i32)) {
 *   deadline.throwIfAborted();
 *   if (deadline.expired) throw deadline.timeoutError("Lock.acquire");
 *   waitSync(i32, STATE, LOCKED, deadline.remainingMs(LIVENESS_POLL_MS));
 * }
 * ```
 */
export class Deadline {
  /** The timeout it was made from, in ms (`Infinity` = forever). */
  readonly timeoutMs: number;
  /** The signal that aborts the wait, if any. */
  readonly signal: AbortSignal | undefined;
  readonly #endsAt: number;

  private constructor(timeoutMs: number, signal: AbortSignal | undefined) {
    this.timeoutMs = timeoutMs;
    this.signal = signal;
    this.#endsAt = timeoutMs === Number.POSITIVE_INFINITY ? timeoutMs : now() + timeoutMs;
  }

  /**
   * Validates `options` (see {@link parseWaitOptions}) and starts the clock.
   *
   * @throws RangeError for a bad timeout, TypeError for a bad bag or signal.
   */
  static from(options?: WaitOptions, what = "options"): Deadline {
    const { timeoutMs, signal } = parseWaitOptions(options, what);
    return new Deadline(timeoutMs, signal);
  }

  /** A deadline `timeoutMs` from now (validated like `options.timeout`). */
  static after(timeoutMs: number | undefined, signal?: AbortSignal): Deadline {
    return new Deadline(validateTimeout(timeoutMs), signal);
  }

  /** `true` when the wait has no time limit. */
  get forever(): boolean {
    return this.#endsAt === Number.POSITIVE_INFINITY;
  }

  /** `true` once the time is up (immediately for a timeout of 0). */
  get expired(): boolean {
    return !this.forever && now() >= this.#endsAt;
  }

  /**
   * Milliseconds left, ready to pass to `waitSync` / `waitAsync`: `Infinity`
   * when forever, `0` once expired, never negative or NaN. With `cap`, at most
   * `cap` (the slice of a waiter that also polls something, e.g. liveness).
   */
  remainingMs(cap = Number.POSITIVE_INFINITY): number {
    const left = this.forever ? this.#endsAt : Math.max(0, this.#endsAt - now());
    return Math.min(left, cap);
  }

  /** Throws {@link AbortError} if the signal has been aborted. */
  throwIfAborted(): void {
    throwIfAborted(this.signal);
  }

  /** A {@link TimeoutError} saying that `what` did not finish within the timeout. */
  timeoutError(what: string): TimeoutError {
    return new TimeoutError(
      `${what} timed out after ${this.timeoutMs} ms: retry, pass a larger timeout, ` +
        "or find who holds the resource longer than expected",
    );
  }
}
