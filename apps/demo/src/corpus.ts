/**
 * The demo's data: a text corpus generated deterministically from a seed, so
 * that every run (Node or browser, any transport) counts the same bytes and
 * must reach the same result.
 *
 * A vocabulary of pseudo-words built from syllables is ranked shortest first,
 * and words are drawn with a Zipf distribution (rank r has weight
 * 1 / (r + 1)^ZIPF_EXPONENT, as word frequencies in real text roughly do), so
 * word counts look like a real corpus: a few words are everywhere, most are
 * rare. Lines of 6–17 words, an occasional comma, a full stop at the end.
 * Only lowercase ASCII letters form words; everything else separates them.
 */

/** Distinct words in the vocabulary (not all of them appear in a small corpus). */
export const VOCABULARY_SIZE = 40_000;
const ZIPF_EXPONENT = 1.05;
const SYLLABLE_ONSETS = [
  "",
  "b",
  "c",
  "d",
  "f",
  "g",
  "h",
  "k",
  "l",
  "m",
  "n",
  "p",
  "r",
  "s",
  "t",
  "v",
  "w",
  "st",
  "tr",
  "ch",
  "sh",
  "pl",
];
const SYLLABLE_VOWELS = ["a", "e", "i", "o", "u", "ea", "ou", "ai"];
const SYLLABLE_CODAS = ["", "", "", "n", "r", "s", "t", "l", "nd", "ck"];

/** mulberry32: a small, fast, seedable 32-bit generator (same sequence on every engine). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** The vocabulary for `seed`, most frequent (shortest) word first. */
export function buildVocabulary(seed: number, size = VOCABULARY_SIZE): string[] {
  const random = seededRandom(seed ^ 0x5eed);
  const words = new Set<string>();
  for (let attempts = 0; words.size < size; attempts++) {
    if (attempts > size * 50)
      throw new Error("buildVocabulary: too few distinct syllable combinations");
    const syllables = 1 + Math.floor(random() * 3);
    let word = "";
    for (let s = 0; s < syllables; s++) {
      word +=
        pick(SYLLABLE_ONSETS, random) +
        pick(SYLLABLE_VOWELS, random) +
        pick(SYLLABLE_CODAS, random);
    }
    words.add(word);
  }
  // Shortest first (then in order of creation): frequent words are short, as in real text.
  return [...words]
    .map((w, i) => [w, i] as const)
    .sort((a, b) => a[0].length - b[0].length || a[1] - b[1])
    .map(([w]) => w);
}

/**
 * Vose's alias method: after O(n) set-up, each draw from a discrete
 * distribution costs one random number, one multiply and one comparison.
 */
function aliasTable(weights: Float64Array): { probability: Float64Array; alias: Int32Array } {
  const n = weights.length;
  let total = 0;
  for (const w of weights) total += w;
  const probability = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => {
    (p < 1 ? small : large).push(i);
  });
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    probability[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) probability[i] = 1;
  return { probability, alias };
}

/**
 * Fills `target` (every byte of it) with the corpus for `seed`. Pass a view
 * of a SharedArrayBuffer to share the corpus with workers without copying.
 * Returns the number of words written.
 */
export function generateCorpus(target: Uint8Array, seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 2^32-1, got ${seed}`);
  }
  const vocabulary = buildVocabulary(seed);
  // The vocabulary as one byte array: word r is letters[starts[r], starts[r + 1]).
  const starts = new Int32Array(vocabulary.length + 1);
  vocabulary.forEach((w, r) => {
    starts[r + 1] = starts[r]! + w.length;
  });
  const letters = new Uint8Array(starts[vocabulary.length]!);
  vocabulary.forEach((w, r) => {
    for (let i = 0; i < w.length; i++) letters[starts[r]! + i] = w.charCodeAt(i);
  });
  const weights = new Float64Array(vocabulary.length).map((_, r) => 1 / (r + 1) ** ZIPF_EXPONENT);
  const { probability, alias } = aliasTable(weights);
  const random = seededRandom(seed);
  const n = vocabulary.length;
  const end = target.length;
  let at = 0;
  let written = 0;
  let lineLeft = 0;
  for (;;) {
    if (lineLeft === 0) lineLeft = 6 + Math.floor(random() * 12);
    const u = random() * n;
    const column = Math.floor(u);
    const rank = u - column < probability[column]! ? column : alias[column]!;
    const wordStart = starts[rank]!;
    const wordEnd = starts[rank + 1]!;
    // The word, then its separator (", ", " " or ".\n"): stop when it does not fit.
    if (at + (wordEnd - wordStart) + 2 > end) break;
    for (let i = wordStart; i < wordEnd; i++) target[at++] = letters[i]!;
    written++;
    lineLeft--;
    if (lineLeft === 0) {
      target[at++] = 46; // "."
      target[at++] = 10; // "\n"
    } else if (random() < 0.05) {
      target[at++] = 44; // ","
      target[at++] = 32;
    } else {
      target[at++] = 32; // " "
    }
  }
  target.fill(32, at); // spaces up to the end: every byte is defined
  return written;
}

/**
 * The reader stage's cut: chunks of about `chunkBytes`, each ending on a
 * separator so that no word is split between two chunks. Returns
 * [start0, end0, start1, end1, ...] (end exclusive).
 */
export function splitChunks(bytes: Uint8Array, chunkBytes: number): Int32Array {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const bounds: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + chunkBytes);
    // Move the cut forward past the letters of a word it falls inside.
    while (end < bytes.length && isLetter(bytes[end]!)) end++;
    bounds.push(start, end);
    start = end;
  }
  return Int32Array.from(bounds);
}

/** Lowercase ASCII letter: the only bytes that form words. */
export function isLetter(byte: number): boolean {
  return (byte - 97) >>> 0 < 26;
}
