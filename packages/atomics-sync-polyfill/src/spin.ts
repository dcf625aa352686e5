/**
 * Bounded spinning for the places that must not sleep yet: the short spin of
 * a lock's slow path before it waits, and the spin fallback of `waitSync`
 * where the thread may not block at all.
 *
 * `spinWait(iteration)` costs more as `iteration` grows, up to a fixed cap
 * (64 pause hints, around a microsecond), so a spin loop's reaction time stays bounded: it
 * never yields to the event loop and never sleeps. Callers bound the number
 * of iterations (or the time) themselves.
 */
import { hasPause } from "./platform.js";

interface AtomicsPause {
  pause(hint?: number): void;
}

/** Above this, every iteration costs the same: the backoff is bounded. */
export const SPIN_BACKOFF_CAP = 6;

/**
 * One CPU-friendly pause: `Atomics.pause()` where present (a hint to the core
 * that this is a spin-wait loop), otherwise nothing.
 */
export function pause(): void {
  // Through the global at the call site, so an instrumented Atomics can see it.
  if (hasPause()) (Atomics as unknown as AtomicsPause).pause();
}

let sink = 0;

/**
 * One step of a bounded exponential backoff: 2^min(iteration, cap) pause
 * hints. Use in your own spin loops:
 *
 * ```ts
 * for (let i = 0; i < 100; i++) {
 *   if (Atomics.load(state, 0) === UNLOCKED) break;
 *   spinWait(i);
 * }
 * ```
 */
export function spinWait(iteration: number): void {
  const exponent =
    iteration < SPIN_BACKOFF_CAP ? (iteration > 0 ? iteration | 0 : 0) : SPIN_BACKOFF_CAP;
  const rounds = 1 << exponent;
  if (hasPause()) {
    // Atomics.pause(n) is a hint whose length grows with n; it has no memory effect.
    for (let r = 0; r < rounds; r++) (Atomics as unknown as AtomicsPause).pause(exponent);
    return;
  }
  // No pause instruction: a short dependent loop the JIT cannot drop.
  let x = sink;
  for (let r = 0; r < rounds; r++) x = (x * 31 + r) | 0;
  sink = x;
}
