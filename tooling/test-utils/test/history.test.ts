import { describe, expect, it } from "vitest";
import { checkHistory, seededRandom } from "../src/index.js";

describe("checkHistory", () => {
  it("accepts interleaved producers split across consumers in order", () => {
    const report = checkHistory(
      [3, 2],
      [
        [
          { producer: 0, seq: 0 },
          { producer: 1, seq: 0 },
          { producer: 0, seq: 2 },
        ],
        [
          { producer: 0, seq: 1 },
          { producer: 1, seq: 1 },
        ],
      ],
    );
    expect(report.ok).toBe(true);
    expect(report.received).toBe(5);
  });

  it("finds lost, duplicated, reordered and unknown items", () => {
    const report = checkHistory(
      [3],
      [
        [
          { producer: 0, seq: 1 },
          { producer: 0, seq: 0 },
          { producer: 0, seq: 1 },
          { producer: 4, seq: 0 },
        ],
      ],
    );
    expect(report.ok).toBe(false);
    expect(report.lost).toEqual([{ producer: 0, seq: 2 }]);
    expect(report.duplicated).toEqual([{ producer: 0, seq: 1 }]);
    expect(report.reordered).toEqual([
      { consumer: 0, item: { producer: 0, seq: 0 }, previousSeq: 1 },
    ]);
    expect(report.unknown).toEqual([{ producer: 4, seq: 0 }]);
  });
});

describe("seededRandom", () => {
  it("replays the same sequence for the same seed", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
