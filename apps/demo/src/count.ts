/**
 * The work of the pipeline: tokenize bytes into words and count them.
 *
 * A `WordTable` is an open-addressing hash table whose keys are not strings
 * but (offset, length) pairs into a byte array: counting never allocates a
 * string, and a table's contents travel as one Int32Array of numbers (a
 * "partial": offset, length, hash, count per word) that the reducer merges
 * into its own table by the same offsets. Offsets are global (into the
 * corpus), so a partial counted from a copy of a chunk is shifted by the
 * chunk's start before it is sent.
 */
import { generateCorpus, isLetter } from "./corpus.js";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Int32 words per word in a partial: offset, length, hash, count. */
export const PARTIAL_STRIDE = 4;
/** Slots of a new table: the whole vocabulary (40,000 words) fits below half load, so no table grows mid-count. */
const DEFAULT_CAPACITY = 1 << 17;

export class WordTable {
  /** The bytes the keys point into. */
  bytes: Uint8Array;
  #mask: number;
  #offsets: Int32Array;
  /** 0 marks an empty slot (words have at least one letter). */
  #lengths: Int32Array;
  #hashes: Int32Array;
  #counts: Int32Array;
  #size = 0;
  #total = 0;

  constructor(bytes: Uint8Array, initialCapacity = DEFAULT_CAPACITY) {
    this.bytes = bytes;
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.#mask = capacity - 1;
    this.#offsets = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#hashes = new Int32Array(capacity);
    this.#counts = new Int32Array(capacity);
  }

  /** Distinct words. */
  get size(): number {
    return this.#size;
  }

  /** Words counted (with repetitions). */
  get total(): number {
    return this.#total;
  }

  /** Empties the table, keeping its capacity. */
  clear(bytes = this.bytes): void {
    this.bytes = bytes;
    this.#lengths.fill(0);
    this.#size = 0;
    this.#total = 0;
  }

  /** Adds `count` to the word at bytes[offset, offset + length) whose FNV-1a hash is `hash`. */
  add(offset: number, length: number, hash: number, count: number): void {
    const bytes = this.bytes;
    const lengths = this.#lengths;
    const mask = this.#mask;
    this.#total += count;
    for (let slot = hash & mask, probes = 0; probes <= mask; slot = (slot + 1) & mask, probes++) {
      const slotLength = lengths[slot]!;
      if (slotLength === 0) {
        this.#offsets[slot] = offset;
        lengths[slot] = length;
        this.#hashes[slot] = hash;
        this.#counts[slot] = count;
        if (++this.#size * 2 > mask) this.#grow();
        return;
      }
      if (slotLength === length && this.#hashes[slot] === hash) {
        const other = this.#offsets[slot]!;
        let i = 0;
        while (i < length && bytes[offset + i] === bytes[other + i]) i++;
        if (i === length) {
          this.#counts[slot]! += count;
          return;
        }
      }
    }
    throw new Error("WordTable: full (unreachable: the table grows at half load)");
  }

  #grow(): void {
    const offsets = this.#offsets;
    const lengths = this.#lengths;
    const hashes = this.#hashes;
    const counts = this.#counts;
    const capacity = lengths.length * 2;
    this.#mask = capacity - 1;
    this.#offsets = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#hashes = new Int32Array(capacity);
    this.#counts = new Int32Array(capacity);
    for (let old = 0; old < lengths.length; old++) {
      if (lengths[old] === 0) continue;
      let slot = hashes[old]! & this.#mask;
      while (this.#lengths[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#offsets[slot] = offsets[old]!;
      this.#lengths[slot] = lengths[old]!;
      this.#hashes[slot] = hashes[old]!;
      this.#counts[slot] = counts[old]!;
    }
  }

  /** The table as a partial (see PARTIAL_STRIDE), offsets shifted by `base`. */
  toPartial(base = 0): Int32Array {
    const out = new Int32Array(this.#size * PARTIAL_STRIDE);
    const lengths = this.#lengths;
    let at = 0;
    for (let slot = 0; slot < lengths.length; slot++) {
      if (lengths[slot] === 0) continue;
      out[at] = this.#offsets[slot]! + base;
      out[at + 1] = lengths[slot]!;
      out[at + 2] = this.#hashes[slot]!;
      out[at + 3] = this.#counts[slot]!;
      at += PARTIAL_STRIDE;
    }
    return out;
  }

  /** Adds a partial whose offsets point into this table's bytes. */
  merge(partial: Int32Array): void {
    if (partial.length % PARTIAL_STRIDE !== 0) {
      throw new RangeError(
        `a partial has ${PARTIAL_STRIDE} numbers per word, got ${partial.length} numbers`,
      );
    }
    const limit = this.bytes.length;
    for (let at = 0; at < partial.length; at += PARTIAL_STRIDE) {
      const offset = partial[at]!;
      const length = partial[at + 1]!;
      const count = partial[at + 3]!;
      // A partial comes from another thread: check it before it indexes the corpus.
      if (offset < 0 || length < 1 || offset + length > limit || count < 1) {
        throw new RangeError(
          `corrupt partial: word at ${offset}+${length} count ${count} (corpus ${limit} bytes)`,
        );
      }
      this.add(offset, length, partial[at + 2]!, count);
    }
  }

  /** Every word and its count, unordered. */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    const lengths = this.#lengths;
    for (let slot = 0; slot < lengths.length; slot++) {
      const length = lengths[slot]!;
      if (length === 0) continue;
      const offset = this.#offsets[slot]!;
      out.push([
        String.fromCharCode(...this.bytes.subarray(offset, offset + length)),
        this.#counts[slot]!,
      ]);
    }
    return out;
  }
}

/** Counts the words of bytes[start, end) into `table` (whose bytes must be `bytes`). */
export function countWords(bytes: Uint8Array, start: number, end: number, table: WordTable): void {
  let i = start;
  while (i < end) {
    while (i < end && !isLetter(bytes[i]!)) i++;
    if (i >= end) break;
    const wordStart = i;
    let hash = FNV_OFFSET;
    while (i < end && isLetter(bytes[i]!)) {
      hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME);
      i++;
    }
    table.add(wordStart, i - wordStart, hash | 0, 1);
  }
}

/** What every pipeline must agree on. */
export interface CountSummary {
  totalWords: number;
  distinctWords: number;
  /** The ten most frequent words (ties by word), with their counts. */
  top: [string, number][];
  /** A hash of every (word, count) pair, sorted by word: equal digests mean equal counts. */
  digest: string;
}

export function summarize(table: WordTable): CountSummary {
  const entries = table.entries();
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Two 32-bit FNV-1a lanes over "word count\n" lines: a 64-bit digest.
  let h1 = FNV_OFFSET;
  let h2 = 0x01234567;
  const feed = (code: number) => {
    h1 = Math.imul(h1 ^ code, FNV_PRIME);
    h2 = Math.imul(h2 ^ code, 0x5bd1e995) ^ (h2 >>> 13);
  };
  for (const [word, count] of entries) {
    const line = `${word} ${count}\n`;
    for (let i = 0; i < line.length; i++) feed(line.charCodeAt(i));
  }
  const top = [...entries].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, "0");
  return { totalWords: table.total, distinctWords: entries.length, top, digest: hex(h1) + hex(h2) };
}

/**
 * Runs the counting code on a small generated sample so that the JIT has
 * compiled it before a pipeline's clock starts: every thread that counts or
 * merges (each worker, and the main thread) calls it once while starting up,
 * so the pipelines are compared at their steady speed, not on who compiles
 * first. Returns the sample's distinct words (so the work cannot be elided).
 */
export function warmUp(sampleBytes = 256 << 10): number {
  const sample = new Uint8Array(sampleBytes);
  generateCorpus(sample, 1);
  const table = new WordTable(sample);
  const merged = new WordTable(sample);
  for (let round = 0; round < 3; round++) {
    table.clear();
    countWords(sample, 0, sample.length, table);
    merged.merge(table.toPartial());
  }
  return merged.size;
}
