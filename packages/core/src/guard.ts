/**
 * The object that proves "I hold this" and gives it back exactly once.
 *
 * Every acquisition in sabkit (`lock.acquire()`, `semaphore.acquireAsync()`, …)
 * returns a Guard, so that `using` releases on every path out of a block:
 *
 * ```ts
 * {
 *   using held = lock.acquire();
 *   counter[0]++;
 * } // released here, also when the block throws
 * ```
 */

// Symbol.dispose / Symbol.asyncDispose exist on Node >= 20 and recent
// browsers. Where they do not, fall back to the registry symbols that the
// TypeScript and esbuild `using` helpers also look up, so downlevelled
// `using` still finds the methods. Nothing global is patched.
const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for("Symbol.dispose");
const ASYNC_DISPOSE: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * A release action that runs at most once. Both `Disposable` and
 * `AsyncDisposable`, so `using` and `await using` work; `release()` after the
 * first call (or after disposal) does nothing.
 *
 * If the release action throws, the guard still counts as released (it will
 * not run the action again) and the error propagates to the caller.
 *
 * @example
 * ```ts
 * // in a primitive
 * acquire(options?: WaitOptions): Guard {
 *   lockSlowIfNeeded(this.#i32, options);
 *   return new Guard(() => unlock(this.#i32));
 * }
 * // in user code
 * using held = lock.acquire();
 * await using held2 = await lock.acquireAsync();
 * ```
 */
export class Guard implements Disposable, AsyncDisposable {
  #release: (() => void) | undefined;

  /** @param release the action to run once; called with no arguments and no `this`. */
  constructor(release: () => void) {
    if (typeof release !== "function") {
      throw new TypeError("new Guard(release): release must be a function");
    }
    this.#release = release;
  }

  /** `true` once `release()` (or disposal) has run. */
  get released(): boolean {
    return this.#release === undefined;
  }

  /** Runs the release action the first time; later calls do nothing. */
  release(): void {
    const action = this.#release;
    if (action === undefined) return;
    // Cleared before running, so a throwing or re-entrant action runs once.
    this.#release = undefined;
    action();
  }

  /** Same as {@link Guard.release}; called by `using`. */
  [DISPOSE](): void {
    this.release();
  }

  /** Same as {@link Guard.release}; called by `await using`. */
  [ASYNC_DISPOSE](): Promise<void> {
    try {
      this.release();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
