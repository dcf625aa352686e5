/**
 * Helpers shared by the containers: the stuck-lock bound, the `lock` option
 * (Python's `lock=True/False/<lock>`), and a thread-local scratch buffer.
 */
import { type Handle, TimeoutError, type WaitOptions } from "@sabkit/core";
import { describe } from "@sabkit/core/internal";
import { Lock, type LockHandle, RLock, type RLockHandle } from "@sabkit/lock";

/**
 * A container operation holds its lock for microseconds; a lock held longer
 * than this means a worker died or hangs inside `update(fn)`: the operation
 * fails with a TimeoutError instead of hanging.
 */
export const STUCK_LOCK_MS = 10_000;

/** Acquires `lock` for one short operation (one CAS when free). */
export function enter(lock: Lock | RLock, what: string): void {
  if (lock.tryAcquire()) return;
  try {
    lock.acquire({ timeout: STUCK_LOCK_MS });
  } catch (error) {
    if (error instanceof TimeoutError) {
      throw new TimeoutError(
        `${what}: the lock has been held for ${STUCK_LOCK_MS} ms, far longer than any operation takes: ` +
          "a worker holds it (getLock() or a long update function) or died holding it",
        { cause: error },
      );
    }
    throw error;
  }
}

/** The `lock` option of Value and SharedArray: Python's `lock=True/False/<a lock>`. */
export type LockOption = boolean | Lock | RLock;

export function parseLock(option: unknown, what: string): Lock | RLock | undefined {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return undefined;
  if (option instanceof Lock || option instanceof RLock) return option;
  throw new TypeError(
    `${what}: lock must be true (a new RLock), false (no lock) or a Lock/RLock, got ${describe(option)}`,
  );
}

export function reviveLock(handle: unknown): Lock | RLock | undefined {
  if (handle === undefined) return undefined;
  const kind = (handle as Handle | null)?.kind;
  return kind === "rlock" ? RLock.from(handle) : Lock.from(handle);
}

export type AnyLockHandle = LockHandle | RLockHandle;

let scratch = new Uint8Array(1024);

/** A thread-local buffer of at least `size` bytes (reused: valid until the next call). */
export function scratchBytes(size: number): Uint8Array {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  return scratch;
}

/** What a container's try form returns: `ok: false` when another worker held the lock (nothing done). */
export type TryResult<R> = { readonly ok: true; readonly value: R } | { readonly ok: false };

/** The three forms of every container operation that takes the lock. */
export type WaitForm = "wait" | "async" | "try";

/** What an operation of form `F` returns when its result is `R`. */
export type Formed<F extends WaitForm, R> = F extends "wait"
  ? R
  : F extends "async"
    ? Promise<R>
    : TryResult<R>;

const BUSY: TryResult<never> = Object.freeze({ ok: false });

/**
 * Runs one container operation under `lock` in one of its three forms: the
 * single implementation of every wait form of SharedDict, SharedList and
 * Namespace. `body` runs holding the lock (it is released whatever happens);
 * `after` runs on its result once the lock is released (decoding).
 *
 * - `"wait"` blocks: without options, bounded by {@link STUCK_LOCK_MS}
 *   ({@link enter}); with options, `lock.acquire(options)` (TimeoutError,
 *   AbortError, RangeError/TypeError from core's parseWaitOptions).
 * - `"async"` waits with `lock.acquireAsync(options)` (default bound
 *   STUCK_LOCK_MS) and resolves with the result.
 * - `"try"` never waits: `{ ok: false }` when the lock is held right now
 *   (body not run), else `{ ok: true, value }`.
 */
export function underLock<F extends WaitForm, R, O = R>(
  lock: Lock,
  form: F,
  what: string,
  options: WaitOptions | undefined,
  body: () => R,
  after?: (result: R) => O,
): Formed<F, O> {
  const run = (): O => {
    let result: R;
    try {
      result = body();
    } finally {
      lock.release();
    }
    return after === undefined ? (result as unknown as O) : after(result);
  };
  if (form === "async") {
    return lock.acquireAsync(options ?? { timeout: STUCK_LOCK_MS }).then(run) as Formed<F, O>;
  }
  if (form === "try") {
    if (!lock.tryAcquire()) return BUSY as Formed<F, O>;
    return { ok: true, value: run() } as Formed<F, O>;
  }
  if (options === undefined) enter(lock, what);
  else lock.acquire(options);
  return run() as Formed<F, O>;
}
