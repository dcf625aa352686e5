/**
 * `waitAsync`: native `Atomics.waitAsync` where present, otherwise a helper
 * worker that blocks on the caller's behalf, otherwise timer polling.
 *
 * Every pending wait (whatever the strategy):
 * - holds the Node event loop open (see keep-alive.ts) until it settles or is aborted;
 * - settles exactly once: with its result, or with an AbortError when its signal aborts.
 *
 * Abandoned waits: a native or helper wait cannot be cancelled. After an
 * abort it stays queued as a real waiter; if it is later woken ("ok") it has
 * consumed a notify that may have been meant for a live waiter, so it passes
 * the wake-up on with `notify(i32, index, 1)`. A polling wait is simply
 * stopped (it never consumes a notify).
 */
import { abortError } from "./abort.js";
import { startHelperWait } from "./helper-worker.js";
import { holdKeepAlive, releaseKeepAlive } from "./keep-alive.js";
import { addLocalWaiter } from "./local-waiters.js";
import { notifyChecked } from "./notify.js";
import { hasNativeWaitAsync, waitStrategy } from "./platform.js";
import type { WaitResult } from "./types.js";
import { checkCell, checkExpected, checkSignal, checkTimeout } from "./validate.js";

/** Longest pause between two looks of the polling fallback (ms): its worst wake-up latency. */
export const MAX_POLL_INTERVAL_MS = 8;

interface NativeWaitAsync {
  waitAsync(
    i32: Int32Array,
    index: number,
    value: number,
    timeout: number,
  ):
    | { async: false; value: "not-equal" | "timed-out" }
    | { async: true; value: Promise<"ok" | "timed-out"> };
}

/**
 * Waits without blocking the thread: resolves `"ok"` when `i32[index]` is
 * notified, `"not-equal"` if it did not hold `expected` at the call,
 * `"timed-out"` after `timeoutMs` (`undefined` = forever, `0` = do not wait).
 * Aborting `signal` rejects at once with an `AbortError` (a DOMException
 * whose `cause` is `signal.reason`). While pending it keeps a Node program
 * alive.
 *
 * ```ts
 * const i32 = new Int32Array(new SharedArrayBuffer(4));
 * const result = waitAsync(i32, 0, 0, 1000); // a worker: Atomics.store(i32, 0, 1); notify(i32, 0)
 * console.log(await result); // "ok"
 * ```
 *
 * Bad arguments reject (TypeError / RangeError), as for `waitSync`.
 */
export function waitAsync(
  i32: Int32Array,
  index: number,
  expected: number,
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<WaitResult> {
  let value: number;
  let timeout: number;
  try {
    checkCell(i32, index, "waitAsync");
    value = checkExpected(expected, "waitAsync");
    timeout = checkTimeout(timeoutMs, "waitAsync");
    signal = checkSignal(signal, "waitAsync");
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const strategy = waitStrategy().async;
  if ((strategy === "auto" || strategy === "native") && hasNativeWaitAsync()) {
    return waitNative(i32, index, value, timeout, signal);
  }
  return waitFallback(i32, index, value, timeout, signal, strategy === "polling");
}

function waitNative(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<WaitResult> {
  // Atomics.waitAsync compares and enqueues in one step, like Atomics.wait:
  // a notifier that stores then notifies cannot slip between the two.
  const started = (Atomics as unknown as NativeWaitAsync).waitAsync(i32, index, value, timeout);
  if (!started.async) return Promise.resolve(started.value);
  return new Promise<WaitResult>((resolve, reject) => {
    const pending = new PendingWait(i32, index, signal, resolve, reject, undefined);
    started.value.then(
      (result) => pending.settle(result),
      (error) => pending.fail(error),
    );
  });
}

/**
 * The fallbacks. Exported for `install()`'s polyfill, which has already
 * coerced its arguments the way the standard does.
 */
export function waitFallback(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  signal: AbortSignal | undefined,
  pollOnly: boolean,
): Promise<WaitResult> {
  // Sequentially consistent load: the value at the call. A notifier's store
  // before its notify is either seen here ("not-equal") or seen later by the
  // helper or the poller ("ok").
  if (Atomics.load(i32, index) !== value) return Promise.resolve("not-equal");
  if (timeout === 0) return Promise.resolve("timed-out");
  return new Promise<WaitResult>((resolve, reject) => {
    const pending = new PendingWait(i32, index, signal, resolve, reject, undefined);
    const onHelperFailure = () => {
      // The helper died or could not start: poll for the time that is left.
      if (!pending.done) startPolling(pending, i32, index, value, pending.remaining(timeout));
    };
    const helped =
      !pollOnly &&
      startHelperWait(
        i32,
        index,
        value,
        timeout,
        (result) => pending.settle(result),
        onHelperFailure,
      );
    if (!helped) startPolling(pending, i32, index, value, timeout);
  });
}

function startPolling(
  pending: PendingWait,
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
): void {
  const deadline = timeout === Number.POSITIVE_INFINITY ? timeout : performance.now() + timeout;
  let interval = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const removeLocal = addLocalWaiter(i32, index, {
    // A notify() on this thread named this cell (it already removed us).
    wake: () => {
      clearTimeout(timer);
      pending.settle("ok");
    },
  });
  const look = () => {
    if (pending.done) return;
    // Sees any thread's store published before its notify.
    if (Atomics.load(i32, index) !== value) {
      removeLocal();
      pending.settle("ok");
      return;
    }
    const now = performance.now();
    if (now >= deadline) {
      removeLocal();
      pending.settle("timed-out");
      return;
    }
    timer = setTimeout(look, Math.min(interval, deadline - now));
    interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
  };
  pending.onAbort = () => {
    clearTimeout(timer);
    removeLocal();
  };
  look();
}

/** One pending wait: settles once, holds the keep-alive, forwards wake-ups it consumed after an abort. */
class PendingWait {
  done = false;
  private readonly startedAt = performance.now();
  private readonly onAbortEvent: (() => void) | undefined;

  constructor(
    private readonly i32: Int32Array,
    private readonly index: number,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (result: WaitResult) => void,
    private readonly reject: (error: unknown) => void,
    /** Stops a cancellable wait (polling) on abort. */
    public onAbort: (() => void) | undefined,
  ) {
    holdKeepAlive();
    if (signal !== undefined) {
      this.onAbortEvent = () => this.abort();
      signal.addEventListener("abort", this.onAbortEvent, { once: true });
    }
  }

  remaining(timeout: number): number {
    return Math.max(0, timeout - (performance.now() - this.startedAt));
  }

  settle(result: WaitResult): void {
    if (this.done) {
      // Abandoned, and it consumed a notify: pass it on to a live waiter.
      if (result === "ok") notifyChecked(this.i32, this.index, 1);
      return;
    }
    this.finish();
    this.resolve(result);
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.finish();
    this.reject(error);
  }

  private abort(): void {
    if (this.done) return;
    this.finish();
    this.onAbort?.();
    this.reject(abortError(this.signal!));
  }

  private finish(): void {
    this.done = true;
    if (this.onAbortEvent !== undefined)
      this.signal!.removeEventListener("abort", this.onAbortEvent);
    releaseKeepAlive();
  }
}
