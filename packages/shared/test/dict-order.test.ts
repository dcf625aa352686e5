import { InvalidHandleError } from "@sabkit/core";
import { scaled } from "@sabkit/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SharedDict } from "../src/index.js";
import { HEADER_BYTES, SLOTS, USED } from "../src/internal.js";

type Op =
  | { op: "set"; key: string | number; value: number }
  | { op: "delete"; key: string | number }
  | { op: "clear" };

// A small key space, so sets, overwrites, deletes and re-inserts of one key all happen.
const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => `k${n}`),
  fc.integer({ min: 0, max: 20 }),
  fc.constantFrom(0.25, -0, Number.NaN, ""),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("set" as const), key, value: fc.integer() }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("delete" as const), key }) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

describe("SharedDict order (property test against a Map)", () => {
  it("the issue's example iterates in insertion order", () => {
    const d = new SharedDict<string | number, unknown>();
    d.set(1, "1").set("2", 2).set(0.25, null);
    expect([...d.keys()]).toEqual([1, "2", 0.25]);
    d.set(1, "one"); // an overwrite keeps its place
    expect([...d.keys()]).toEqual([1, "2", 0.25]);
    d.delete(1);
    d.set(1, "again"); // deleted and set again: at the end
    expect([...d.entries()]).toEqual([
      ["2", 2],
      [0.25, null],
      [1, "again"],
    ]);
    expect([...d.values()]).toEqual([2, null, "again"]);
    expect([...d.snapshot().keys()]).toEqual(["2", 0.25, 1]);
  });

  it("random set/delete/clear sequences: same entries, values and order as a Map", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.boolean(), (ops, small) => {
        // A small buffer also exercises heap growth and rebuilds.
        const dict = new SharedDict<string | number, number>(
          undefined,
          small ? { byteLength: 1024 } : undefined,
        );
        const model = new Map<string | number, number>();
        for (const step of ops) {
          if (step.op === "set") {
            dict.set(step.key, step.value);
            model.set(step.key, step.value);
          } else if (step.op === "delete") {
            expect(dict.delete(step.key)).toBe(model.delete(step.key));
          } else {
            dict.clear();
            model.clear();
          }
          expect(dict.size).toBe(model.size);
        }
        expect([...dict]).toEqual([...model]);
        for (const [k, v] of model) expect(dict.get(k)).toBe(v);
      }),
      { numRuns: scaled(200) },
    );
  });

  it("many inserts and deletes keep order through rebuilds that compact deleted entries", () => {
    const dict = new SharedDict<number, number>();
    const model = new Map<number, number>();
    const n = scaled(5_000);
    for (let i = 0; i < n; i++) {
      dict.set(i, i);
      model.set(i, i);
      if (i % 3 === 0) {
        dict.delete(i - 1);
        model.delete(i - 1);
      }
    }
    // Move every 7th key to the end.
    for (let i = 0; i < n; i += 7) {
      if (!model.has(i)) continue;
      dict.delete(i);
      model.delete(i);
      dict.set(i, -i);
      model.set(i, -i);
    }
    expect([...dict]).toEqual([...model]);
    const i32 = new Int32Array(dict.handle.buffer);
    // Deleted entries are reclaimed by rebuilds: USED stays within the table.
    expect(i32[USED]).toBeLessThanOrEqual(((i32[SLOTS] as number) >> 2) * 3);
  });

  it("a corrupted index word or entry is an InvalidHandleError, not a misread or a hang", () => {
    const dict = new SharedDict<string, number>([["a", 1]]);
    const i32 = new Int32Array(dict.handle.buffer);
    const slots = i32[SLOTS] as number;
    const index = HEADER_BYTES >> 2;
    let at = index;
    while (i32[at] === 0) at++;
    const saved = i32[at] as number;
    i32[at] = 1000; // an entry past USED
    expect(() => dict.get("a")).toThrow(InvalidHandleError);
    i32[at] = saved;
    expect(dict.get("a")).toBe(1);
    // Every index slot taken (no empty slot ends the probe).
    const copy = i32.slice(index, index + slots);
    i32.fill(-1, index, index + slots);
    expect(() => dict.get("b")).toThrow(InvalidHandleError);
    i32.set(copy, index);
    // The entry's record offset out of the heap.
    const entryOffset = index + slots + 1;
    const offset = i32[entryOffset] as number;
    i32[entryOffset] = 8;
    expect(() => [...dict.keys()]).toThrow(InvalidHandleError);
    i32[entryOffset] = offset;
    expect([...dict]).toEqual([["a", 1]]);
  });
});
