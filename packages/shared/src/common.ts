/**
 * Helpers shared by the containers: the stuck-lock bound, the `lock` option
 * (Python's `lock=True/False/<lock>`), and a thread-local scratch buffer.
 */
import { type Handle, OwnerDiedError, TimeoutError, type WaitOptions } from "@sabkit/core";
import { describe } from "@sabkit/core/internal";
import { Lock, type LockHandle, RLock, type RLockHandle } from "@sabkit/lock";
import type { Store } from "./store.js";

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
 * What a container tells {@link underLock}: whether this thread is inside
 * one of its operations or `atomically` right now (then its operations run
 * without re-locking), and how to check its memory after a worker died
 * holding its lock.
 */
export interface Guarded {
  /** `true` while this thread holds the lock for this container object. */
  held: boolean;
  /** Validates (and repairs what it can of) the store; throws InvalidHandleError when it cannot. */
  recover(): void;
}

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
 *
 * Re-entrancy: while `body` runs, `state.held` is true, and an operation of
 * the same container called from inside it (from `update`'s function or
 * `atomically`) runs at once without taking the lock again, in every form
 * (the async form resolves with its result, the try form is `ok`).
 *
 * Owner death: when the lock's previous holder died holding it, the
 * acquire throws core's OwnerDiedError with this thread holding the lock.
 * The container validates its memory (`state.recover()`: structural
 * checks, derived counters repaired), releases the lock and rethrows the
 * OwnerDiedError (`guard` cleared: nothing left to release) without running
 * `body`: the dead worker's last operation may be partly applied, so the
 * caller decides whether to retry. If the memory cannot be trusted,
 * recover() marks it broken and every later operation is an
 * InvalidHandleError.
 */
export function underLock<F extends WaitForm, R, O = R>(
  lock: Lock,
  form: F,
  what: string,
  options: WaitOptions | undefined,
  body: () => R,
  after?: (result: R) => O,
  state?: Guarded,
): Formed<F, O> {
  if (state?.held === true) return direct(form, body, after);
  if (form === "async") {
    return lock.acquireAsync(options ?? { timeout: STUCK_LOCK_MS }).then(
      () => held(lock, body, after, state),
      (error: unknown) => ownerDied(error, lock, what, state),
    ) as Formed<F, O>;
  }
  let acquired = true;
  try {
    if (form === "try") acquired = lock.tryAcquire();
    else if (options === undefined) enter(lock, what);
    else lock.acquire(options);
  } catch (error) {
    ownerDied(error, lock, what, state);
  }
  if (!acquired) return BUSY as Formed<F, O>;
  const value = held(lock, body, after, state);
  return (form === "try" ? { ok: true, value } : value) as Formed<F, O>;
}

/**
 * A store-backed container's (SharedDict's, SharedList's) store behind its
 * lock: every operation runs through {@link run}, which reads and checks the
 * store's header once the lock is held. It is the container's {@link Guarded}
 * state: `held` while this thread runs an operation, `recover()` validates the store.
 */
export class LockedStore implements Guarded {
  held = false;
  readonly lock: Lock;
  readonly store: Store;
  readonly #name: string;

  constructor(lock: Lock, store: Store, name: string) {
    this.lock = lock;
    this.store = store;
    this.#name = name;
  }

  recover(): void {
    this.store.validate();
  }

  /** Operation `op` in form F (see underLock): `body` on the checked store, `after` once released. */
  run<F extends WaitForm, R, O = R>(
    form: F,
    op: string,
    options: WaitOptions | undefined,
    body: (store: Store) => R,
    after?: (result: R) => O,
  ): Formed<F, O> {
    const store = this.store;
    const checked = () => {
      store.check();
      return body(store);
    };
    return underLock(this.lock, form, `${this.#name}.${op}`, options, checked, after, this);
  }
}

// Runs `body` holding `lock` (released whatever happens), then `after` on its result.
function held<R, O>(
  lock: Lock,
  body: () => R,
  after: ((result: R) => O) | undefined,
  state: Guarded | undefined,
): O {
  let result: R;
  if (state !== undefined) state.held = true;
  try {
    result = body();
  } finally {
    if (state !== undefined) state.held = false;
    lock.release();
  }
  return after === undefined ? (result as unknown as O) : after(result);
}

// An acquire failed: after an owner's death (this thread holds the lock), validate, release, rethrow.
function ownerDied(error: unknown, lock: Lock, what: string, state: Guarded | undefined): never {
  if (error instanceof OwnerDiedError && state !== undefined) {
    error.guard = undefined;
    try {
      state.recover();
    } finally {
      lock.release();
    }
    throw new OwnerDiedError(
      `${what}: a worker died holding this container's lock; its memory was checked and is sound, but that ` +
        "worker's last operation may be partly applied (nothing was done now): check the data it was writing, then retry",
      { ownerIdentity: error.ownerIdentity, cause: error },
    );
  }
  throw error;
}

// An operation called while this thread already holds the container's lock.
function direct<F extends WaitForm, R, O>(
  form: F,
  body: () => R,
  after: ((result: R) => O) | undefined,
): Formed<F, O> {
  if (form === "async") {
    try {
      const result = body();
      return Promise.resolve(after === undefined ? result : after(result)) as Formed<F, O>;
    } catch (error) {
      return Promise.reject(error) as Formed<F, O>;
    }
  }
  const result = body();
  const value = after === undefined ? (result as unknown as O) : after(result);
  return (form === "try" ? { ok: true, value } : value) as Formed<F, O>;
}

/**
 * The body of a container's `atomically(fn)`: calls `fn` (synchronous) and
 * refuses a promise, whose continuation would run after the lock is released.
 */
export function atomicBody<R>(fn: () => R, what: string): R {
  const result = fn();
  if (
    result !== null &&
    (typeof result === "object" || typeof result === "function") &&
    typeof (result as { then?: unknown }).then === "function"
  ) {
    throw new TypeError(
      `${what}: fn returned a promise; the lock is released when fn returns, so fn must be synchronous ` +
        "(its synchronous part has run): use the async forms of the operations outside atomically() instead",
    );
  }
  return result;
}

/** Checks `fn` of an `atomically(fn)` before taking the lock. */
export function checkAtomicFn(fn: unknown, what: string): void {
  if (typeof fn !== "function") {
    throw new TypeError(`${what}: fn must be a function, got ${describe(fn)}`);
  }
  if (fn.constructor?.name === "AsyncFunction") {
    throw new TypeError(
      `${what}: fn must be synchronous (the lock is held only while fn runs), got an async function`,
    );
  }
}
