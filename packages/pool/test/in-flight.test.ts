import { describe, expect, it } from "vitest";
import { InFlight } from "../src/in-flight.js";

const rec = (seq: number) => ({ seq });

describe("InFlight (the records a worker holds, by seq)", () => {
  it("set/get/delete by seq; values in seq order after deletes in any order; size; clear", () => {
    const held = new InFlight<{ seq: number }>(8);
    for (let seq = 1; seq <= 6; seq++) held.set(rec(seq));
    expect(held.size).toBe(6);
    expect(held.get(3)).toEqual({ seq: 3 });
    expect(held.get(9)).toBeUndefined(); // same ring index as 1, another seq
    expect(held.delete(3)?.seq).toBe(3);
    expect(held.delete(3)).toBeUndefined();
    expect(held.delete(1)?.seq).toBe(1);
    expect(held.values().map((r) => r.seq)).toEqual([2, 4, 5, 6]);
    // The ring wraps: seqs 7..9 reuse the indices of 7, 0 and 1.
    for (let seq = 7; seq <= 9; seq++) held.set(rec(seq));
    expect(held.values().map((r) => r.seq)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    expect(held.size).toBe(7);
    held.clear();
    expect(held.size).toBe(0);
    expect(held.values()).toEqual([]);
    held.set(rec(100));
    expect(held.values().map((r) => r.seq)).toEqual([100]);
  });

  it("refuses a seq that is not above every seq held, or one whose ring index is taken", () => {
    const held = new InFlight<{ seq: number }>(4);
    held.set(rec(5));
    expect(() => held.set(rec(5))).toThrow(/not the next one/);
    expect(() => held.set(rec(4))).toThrow(/not the next one/);
    held.set(rec(6));
    held.set(rec(7));
    held.set(rec(8));
    expect(() => held.set(rec(9))).toThrow(/not the next one/); // 9 % 4 = 5 % 4, still held
    held.delete(5);
    held.set(rec(9));
    expect(held.values().map((r) => r.seq)).toEqual([6, 7, 8, 9]);
  });

  it("a random run of sends and in-order answers matches a Map", () => {
    const held = new InFlight<{ seq: number }>(64);
    const model = new Map<number, { seq: number }>();
    let next = 1;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let step = 0; step < 20_000; step++) {
      if (random() < 0.5 && model.size < 32) {
        const r = rec(next++);
        held.set(r);
        model.set(r.seq, r);
      } else if (model.size > 0) {
        // Answers come in seq order; a cancelled record may be dropped out of order.
        const seqs = [...model.keys()];
        const seq = random() < 0.9 ? seqs[0]! : seqs[Math.floor(random() * seqs.length)]!;
        expect(held.delete(seq)).toBe(model.get(seq));
        model.delete(seq);
      }
      expect(held.size).toBe(model.size);
    }
    expect(held.values()).toEqual([...model.values()]);
  });
});
