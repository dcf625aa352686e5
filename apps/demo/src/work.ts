/**
 * The per-item work of the demo's middle stage: a few rounds of integer
 * mixing (a stand-in for parsing, hashing or scoring a record), returning a
 * 16-bit value so that sums stay exact in a double.
 */
export function mix(x: number): number {
  let h = x | 0;
  for (let round = 0; round < 24; round++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  }
  return (h ^ (h >>> 15)) >>> 16;
}
