/**
 * The one module that knows what this thread may do: whether `Atomics.wait`
 * may block here, whether the engine has a native `Atomics.waitAsync`, and
 * which strategy a test has forced. Detection is lazy and cached; nothing runs
 * at import time.
 *
 * Strategies:
 *
 * | form        | strategy        | when (auto)                                        |
 * | ----------- | --------------- | -------------------------------------------------- |
 * | `waitSync`  | `block`         | `Atomics.wait` is allowed (Node, any worker)       |
 * | `waitSync`  | `spin`          | it throws (browser main thread, some worklets)     |
 * | `waitAsync` | `native`        | `Atomics.waitAsync` exists and is not our polyfill |
 * | `waitAsync` | `helper-worker` | else, where a Worker can be created                |
 * | `waitAsync` | `polling`       | else (no workers, or creating one failed)          |
 */

/** Marks the function `install()` puts on `Atomics`, so it is never mistaken for a native one. */
export const POLYFILL_TAG: unique symbol = Symbol.for("sabkit.atomics-sync-polyfill.waitAsync");

export type SyncStrategy = "auto" | "block" | "spin";
export type AsyncStrategy = "auto" | "native" | "helper-worker" | "polling";

export interface WaitStrategy {
  /** How `waitSync` waits. `block` where blocking is not allowed still spins (it never throws). */
  sync: SyncStrategy;
  /** How `waitAsync` waits. `native` where there is none falls back as `auto` does. */
  async: AsyncStrategy;
}

const forced: WaitStrategy = { sync: "auto", async: "auto" };

/**
 * Forces a strategy (tests, benchmarks, or an app that wants to avoid helper
 * workers). Returns the previous setting so it can be restored.
 */
export function setWaitStrategy(strategy: Partial<WaitStrategy>): WaitStrategy {
  const previous = { ...forced };
  if (strategy.sync !== undefined) {
    if (!["auto", "block", "spin"].includes(strategy.sync)) {
      throw new RangeError(`sync strategy must be "auto", "block" or "spin", got ${strategy.sync}`);
    }
    forced.sync = strategy.sync;
  }
  if (strategy.async !== undefined) {
    if (!["auto", "native", "helper-worker", "polling"].includes(strategy.async)) {
      throw new RangeError(
        `async strategy must be "auto", "native", "helper-worker" or "polling", got ${strategy.async}`,
      );
    }
    forced.async = strategy.async;
  }
  return previous;
}

/** The strategy currently forced (`auto` where none is). */
export function waitStrategy(): WaitStrategy {
  return { ...forced };
}

let blockingAllowed: boolean | undefined;

/**
 * Whether `Atomics.wait` may block on this thread. `false` on a browser main
 * thread (where it throws) and where SharedArrayBuffer is unavailable.
 * Detected once and cached.
 */
export function canBlock(): boolean {
  if (blockingAllowed === undefined) blockingAllowed = detectBlocking();
  return blockingAllowed;
}

function detectBlocking(): boolean {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  try {
    // The value (0) differs from the expected one (1), so where blocking is
    // allowed this returns "not-equal" at once; where it is not, the agent
    // check comes first in the spec (DoWait step "AgentCanSuspend") and throws.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `waitSync` should block (true) or spin (false), given the forced strategy. */
export function syncBlocks(): boolean {
  return forced.sync !== "spin" && canBlock();
}

/** A native `Atomics.waitAsync` is present (and is not the one `install()` added). */
export function hasNativeWaitAsync(): boolean {
  // Read at each call (cheap) so that a test can hide the native function by
  // deleting it from the global, as an engine without it would look.
  const candidate = (Atomics as { waitAsync?: unknown }).waitAsync;
  return (
    typeof candidate === "function" &&
    (candidate as unknown as Record<symbol, unknown>)[POLYFILL_TAG] !== true
  );
}

/** `Atomics.pause` (ES2025/Chrome 133+) where present. */
export function hasPause(): boolean {
  return typeof (Atomics as { pause?: unknown }).pause === "function";
}
