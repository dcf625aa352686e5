// The pipeline's parts on one thread: the corpus is deterministic and exact
// in size, the reader never cuts a word, and the table's counts (directly,
// per chunk and merged, and from shifted chunk copies) equal a plain Map's.
import { describe, expect, it } from "vitest";
import { generateCorpus, isLetter, splitChunks } from "../src/corpus.js";
import { countWords, PARTIAL_STRIDE, summarize, WordTable } from "../src/count.js";

const SIZE = 1 << 20;

function corpus(seed: number, size = SIZE): Uint8Array {
  const bytes = new Uint8Array(size);
  generateCorpus(bytes, seed);
  return bytes;
}

/** The reference: split the text on non-letters and count with a Map. */
function referenceCounts(bytes: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  const text = new TextDecoder().decode(bytes);
  for (const word of text.split(/[^a-z]+/)) {
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

function tableCounts(table: WordTable): Map<string, number> {
  return new Map(table.entries());
}

describe("corpus", () => {
  it("is the same bytes for the same seed, different for another, every byte defined", () => {
    const a = corpus(3);
    // Byte comparisons through Buffer (a deep toEqual of a megabyte is slow).
    expect(Buffer.compare(corpus(3), a)).toBe(0);
    expect(Buffer.compare(corpus(4), a)).not.toBe(0);
    let other = 0;
    for (const b of a) if (!(isLetter(b) || b === 32 || b === 44 || b === 46 || b === 10)) other++;
    expect(other).toBe(0);
  });

  it("returns the number of words it wrote", () => {
    const bytes = new Uint8Array(SIZE);
    const words = generateCorpus(bytes, 5);
    let total = 0;
    for (const count of referenceCounts(bytes).values()) total += count;
    expect(words).toBe(total);
  });

  it("cuts chunks on separators only, covering every byte once", () => {
    const bytes = corpus(6);
    const chunks = splitChunks(bytes, 10_000);
    expect(chunks[0]).toBe(0);
    expect(chunks[chunks.length - 1]).toBe(bytes.length);
    for (let i = 0; i < chunks.length; i += 2) {
      const end = chunks[i + 1]!;
      if (i + 2 < chunks.length) expect(chunks[i + 2]).toBe(end);
      if (end < bytes.length) expect(isLetter(bytes[end]!)).toBe(false);
    }
  });

  it("rejects bad arguments with RangeError", () => {
    expect(() => generateCorpus(new Uint8Array(10), -1)).toThrow(RangeError);
    expect(() => generateCorpus(new Uint8Array(10), 1.5)).toThrow(RangeError);
    expect(() => splitChunks(new Uint8Array(10), 0)).toThrow(RangeError);
  });
});

describe("WordTable", () => {
  it("counts exactly what a Map counts", () => {
    const bytes = corpus(7);
    const table = new WordTable(bytes, 16); // small: grows many times
    countWords(bytes, 0, bytes.length, table);
    const expected = referenceCounts(bytes);
    expect(tableCounts(table)).toEqual(expected);
    expect(table.size).toBe(expected.size);
  });

  it("gives the same result per chunk and merged, from shared bytes or shifted copies", () => {
    const bytes = corpus(8);
    const whole = new WordTable(bytes);
    countWords(bytes, 0, bytes.length, whole);
    const chunks = splitChunks(bytes, 65_536);
    const fromShared = new WordTable(bytes);
    const fromCopies = new WordTable(bytes);
    const part = new WordTable(bytes);
    for (let i = 0; i < chunks.length; i += 2) {
      const [start, end] = [chunks[i]!, chunks[i + 1]!];
      part.clear(bytes);
      countWords(bytes, start, end, part);
      fromShared.merge(part.toPartial());
      const copy = bytes.slice(start, end); // what a postMessage worker gets
      part.clear(copy);
      countWords(copy, 0, copy.length, part);
      fromCopies.merge(part.toPartial(start));
    }
    const reference = summarize(whole);
    expect(summarize(fromShared)).toEqual(reference);
    expect(summarize(fromCopies)).toEqual(reference);
    expect(reference.totalWords).toBe(
      [...referenceCounts(bytes).values()].reduce((a, b) => a + b, 0),
    );
    expect(reference.top).toHaveLength(10);
  });

  it("gives different digests for different counts", () => {
    const a = new WordTable(corpus(9));
    countWords(a.bytes, 0, a.bytes.length, a);
    const b = new WordTable(a.bytes);
    countWords(a.bytes, 0, a.bytes.length - 1000, b);
    expect(summarize(b).digest).not.toBe(summarize(a).digest);
  });

  it("rejects a corrupt partial with RangeError before it reads the corpus", () => {
    const bytes = corpus(10, 4096);
    const table = new WordTable(bytes);
    expect(() => table.merge(new Int32Array(PARTIAL_STRIDE + 1))).toThrow(RangeError);
    expect(() => table.merge(Int32Array.of(4090, 10, 0, 1))).toThrow(/corrupt partial/);
    expect(() => table.merge(Int32Array.of(-1, 2, 0, 1))).toThrow(/corrupt partial/);
    expect(() => table.merge(Int32Array.of(0, 2, 0, 0))).toThrow(/corrupt partial/);
    expect(table.size).toBe(0);
  });
});
