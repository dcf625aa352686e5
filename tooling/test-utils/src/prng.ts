/**
 * The one seeded PRNG of the test tooling (mulberry32): randomized tests
 * and the interleaving explorer's random schedules replay exactly from a
 * seed, on every engine. Free of Node APIs, so browser workers can import it.
 */

/**
 * A generator of floats in [0, 1) determined by `seed` alone: print the
 * seed on failure, pass it back to reproduce.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
