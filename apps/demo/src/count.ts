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
/** Int32 words per slot of a table: offset, length, hash, count. */
const SLOT_WORDS = 4;

export class WordTable {
  /** The bytes the keys point into. */
  bytes: Uint8Array;
  #mask: number;
  /**
   * The slots, one cache-friendly group of SLOT_WORDS per slot: offset,
   * length (0 marks an empty slot: words have at least one letter), hash,
   * count. One probe touches one group instead of four arrays.
   */
  #slots: Int32Array;
  #size = 0;
  #total = 0;

  constructor(bytes: Uint8Array, initialCapacity = DEFAULT_CAPACITY) {
    this.bytes = bytes;
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.#mask = capacity - 1;
    this.#slots = new Int32Array(capacity * SLOT_WORDS);
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
    this.#slots.fill(0);
    this.#size = 0;
    this.#total = 0;
  }

  /** Adds `count` to the word at bytes[offset, offset + length) whose FNV-1a hash is `hash`. */
  add(offset: number, length: number, hash: number, count: number): void {
    const bytes = this.bytes;
    const slots = this.#slots;
    const mask = this.#mask;
    this.#total += count;
    for (let slot = hash & mask, probes = 0; probes <= mask; slot = (slot + 1) & mask, probes++) {
      const at = slot * SLOT_WORDS;
      const slotLength = slots[at + 1]!;
      if (slotLength === 0) {
        slots[at] = offset;
        slots[at + 1] = length;
        slots[at + 2] = hash;
        slots[at + 3] = count;
        if (++this.#size * 2 > mask) this.#grow();
        return;
      }
      if (slotLength === length && slots[at + 2] === hash) {
        const other = slots[at]!;
        let i = 0;
        while (i < length && bytes[offset + i] === bytes[other + i]) i++;
        if (i === length) {
          slots[at + 3]! += count;
          return;
        }
      }
    }
    throw new Error("WordTable: full (unreachable: the table grows at half load)");
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = (old.length / SLOT_WORDS) * 2;
    const mask = capacity - 1;
    const slots = new Int32Array(capacity * SLOT_WORDS);
    for (let from = 0; from < old.length; from += SLOT_WORDS) {
      if (old[from + 1] === 0) continue;
      let slot = old[from + 2]! & mask;
      while (slots[slot * SLOT_WORDS + 1] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(from, from + SLOT_WORDS), slot * SLOT_WORDS);
    }
    this.#mask = mask;
    this.#slots = slots;
  }

  /** The table as a partial (see PARTIAL_STRIDE), offsets shifted by `base`. */
  toPartial(base = 0): Int32Array {
    const out = new Int32Array(this.#size * PARTIAL_STRIDE);
    const slots = this.#slots;
    let to = 0;
    for (let at = 0; at < slots.length; at += SLOT_WORDS) {
      if (slots[at + 1] === 0) continue;
      out[to] = slots[at]! + base;
      out[to + 1] = slots[at + 1]!;
      out[to + 2] = slots[at + 2]!;
      out[to + 3] = slots[at + 3]!;
      to += PARTIAL_STRIDE;
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
    const slots = this.#slots;
    for (let at = 0; at < slots.length; at += SLOT_WORDS) {
      const length = slots[at + 1]!;
      if (length === 0) continue;
      const offset = slots[at]!;
      out.push([
        String.fromCharCode(...this.bytes.subarray(offset, offset + length)),
        slots[at + 3]!,
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
