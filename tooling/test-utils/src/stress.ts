/**
 * Sizes and time bounds for stress tests on small, shared machines.
 *
 * `SABKIT_STRESS_SCALE` (a positive number, default 1) multiplies every
 * iteration count passed through {@link scaled}: `0.1` for a quick local run,
 * `10` for a soak. Counts never drop below 1.
 */
export function stressScale(): number {
  const raw = process.env.SABKIT_STRESS_SCALE;
  if (raw === undefined || raw === "") return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`SABKIT_STRESS_SCALE must be a positive number, got "${raw}"`);
  }
  return scale;
}

/** `n` multiplied by the stress scale, rounded, at least 1. */
export function scaled(n: number): number {
  return Math.max(1, Math.round(n * stressScale()));
}

/** Rejects with a message naming `what` if `promise` has not settled within `ms`. */
export async function withTimeLimit<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${ms} ms (a hang?)`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until another thread stores a non-zero value in `word[0]` (a worker
 * that reached the point a test waits for: took a lock, say, storing its
 * identity), polling every 5 ms for `ms` at most; returns the value.
 *
 * @throws Error `${what}` when nothing was stored in time.
 */
export async function waitForWord(word: Int32Array, what: string, ms = 10_000): Promise<number> {
  const deadline = performance.now() + ms;
  // The other thread's Atomics.store of word[0] is seen by this load.
  while (Atomics.load(word, 0) === 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const value = Atomics.load(word, 0);
  if (value === 0) throw new Error(`${what} (nothing stored within ${ms} ms)`);
  return value;
}

/** A seed from `SABKIT_SEED` if set, otherwise a fresh one. Log it in failures. */
export function testSeed(): number {
  const raw = process.env.SABKIT_SEED;
  if (raw !== undefined && raw !== "") return Number(raw) >>> 0;
  return (Math.random() * 2 ** 32) >>> 0;
}
