import { scaled } from "@sabkit/test-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SharedList } from "../src/index.js";

describe("SharedList: Python's list methods", () => {
  it("insert clamps like Python, extend takes any iterable, remove/index/count compare encoded items", () => {
    const l = new SharedList<unknown>([1, 2, 3]);
    l.insert(0, "a");
    l.insert(-1, "b"); // before the last item
    l.insert(100, "end");
    l.insert(-100, "start");
    expect(l.slice()).toEqual(["start", "a", 1, 2, "b", 3, "end"]);
    expect(l.extend(new Set([{ x: 1 }, [2]]))).toBe(9);
    expect(
      l.extend(
        (function* () {
          yield 7;
        })(),
      ),
    ).toBe(10);
    expect(l.index(2)).toBe(3);
    expect(l.index({ x: 1 })).toBe(7);
    expect(l.count([2])).toBe(1);
    l.push(2);
    expect(l.count(2)).toBe(2);
    expect(l.index(2, 4)).toBe(10);
    expect(l.index(2, -1)).toBe(10);
    expect(() => l.index(2, 4, 10)).toThrow(RangeError);
    expect(() => l.index("missing")).toThrow(/no item equal/);
    l.remove(2);
    expect(l.slice()).toEqual(["start", "a", 1, "b", 3, "end", { x: 1 }, [2], 7, 2]);
    expect(() => l.remove("missing")).toThrow(RangeError);
    expect(l.length).toBe(10);
    expect(l.pop(0)).toBe("start");
    expect(l.pop()).toBe(2);
    expect(() => l.insert(1.5, 0)).toThrow(TypeError);
    expect(() => l.extend(5 as never)).toThrow(TypeError);
  });

  it("reverse reverses in place; sort orders as Python's default, keeps equal items' order with compareFn, and changes nothing for mixed kinds (TypeError)", () => {
    const l = new SharedList<number>([3, 1, 2]);
    l.reverse();
    expect(l.slice()).toEqual([2, 1, 3]);
    l.sort();
    expect(l.slice()).toEqual([1, 2, 3]);
    l.sort((a, b) => b - a);
    expect(l.slice()).toEqual([3, 2, 1]);
    const s = new SharedList<string>(["b", "B", "a", "ä"]);
    s.sort();
    expect(s.slice()).toEqual(["B", "a", "b", "ä"]);
    const pairs = new SharedList<[number, string]>([
      [1, "x"],
      [0, "y"],
      [1, "z"],
      [0, "w"],
    ]);
    pairs.sort((a, b) => a[0] - b[0]);
    expect(pairs.slice()).toEqual([
      [0, "y"],
      [0, "w"],
      [1, "x"],
      [1, "z"],
    ]);
    const mixed = new SharedList<unknown>([2, "1", 3]);
    expect(() => mixed.sort()).toThrow(TypeError);
    expect(() => new SharedList<unknown>([{ a: 1 }]).sort()).toThrow(/pass a compareFn/);
    expect(mixed.slice()).toEqual([2, "1", 3]);
    expect(() => mixed.sort(5 as never)).toThrow(TypeError);
    expect(() =>
      mixed.sort(() => {
        throw new RangeError("planted");
      }),
    ).toThrow(RangeError);
    expect(mixed.slice()).toEqual([2, "1", 3]);
    // A compareFn that modifies the list: TypeError, nothing sorted.
    const touched = new SharedList<number>([3, 2, 1]);
    const touching = (a: number, b: number) => {
      touched.set(0, 3);
      return a - b;
    };
    expect(() => touched.sort(touching)).toThrow(/modified the list/);
    expect(touched.slice()).toEqual([3, 2, 1]);
    const big = new SharedList<bigint>([3n, 1n]);
    big.sort();
    expect(big.slice()).toEqual([1n, 3n]);
  });

  it("the async and try forms of insert, extend, index, count, remove, reverse and sort do what the blocking forms do", async () => {
    const l = new SharedList<number>([5, 4]);
    await l.insertAsync(0, 6);
    expect(await l.extendAsync([1, 1])).toBe(5);
    expect(await l.indexAsync(4)).toBe(2);
    expect(await l.countAsync(1)).toBe(2);
    await l.removeAsync(1);
    await l.reverseAsync();
    expect(l.slice()).toEqual([1, 4, 5, 6]);
    await l.sortAsync((a, b) => b - a);
    expect(l.slice()).toEqual([6, 5, 4, 1]);
    await expect(l.removeAsync(99)).rejects.toBeInstanceOf(RangeError);
    expect(l.tryInsert(0, 0)).toBe(true);
    expect(l.tryExtend([9])).toEqual({ ok: true, value: 6 });
    expect(l.tryIndex(9)).toEqual({ ok: true, value: 5 });
    expect(l.tryCount(9)).toEqual({ ok: true, value: 1 });
    expect(l.tryRemove(9)).toBe(true);
    expect(l.tryReverse()).toBe(true);
    expect(l.trySort()).toBe(true);
    expect(l.slice()).toEqual([0, 1, 4, 5, 6]);
    // Busy forms (timeout, abort, ok: false) are tested with a worker holding the lock in wait-forms.test.ts.
  });

  it("random inserts, removes, extends, reverses, sorts and pops leave the same items as a JS array", () => {
    type Op =
      | ["insert", number, number]
      | ["remove", number]
      | ["extend", number[]]
      | ["reverse"]
      | ["sort"]
      | ["pop", number];
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.tuple(
        fc.constant("insert" as const),
        fc.integer({ min: -12, max: 12 }),
        fc.integer({ min: 0, max: 5 }),
      ),
      fc.tuple(fc.constant("remove" as const), fc.integer({ min: 0, max: 5 })),
      fc.tuple(
        fc.constant("extend" as const),
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
      ),
      fc.tuple(fc.constant("reverse" as const)),
      fc.tuple(fc.constant("sort" as const)),
      fc.tuple(fc.constant("pop" as const), fc.integer({ min: -3, max: 3 })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const list = new SharedList<number>(undefined, { byteLength: 1024 });
        const model: number[] = [];
        for (const step of ops) {
          switch (step[0]) {
            case "insert": {
              const n = model.length;
              const at = Math.max(0, Math.min(n, step[1] < 0 ? step[1] + n : step[1]));
              model.splice(at, 0, step[2]);
              list.insert(step[1], step[2]);
              break;
            }
            case "remove": {
              const at = model.indexOf(step[1]);
              if (at < 0) expect(() => list.remove(step[1])).toThrow(RangeError);
              else {
                model.splice(at, 1);
                list.remove(step[1]);
              }
              break;
            }
            case "extend":
              model.push(...step[1]);
              expect(list.extend(step[1])).toBe(model.length);
              break;
            case "reverse":
              model.reverse();
              list.reverse();
              break;
            case "sort":
              model.sort((a, b) => a - b);
              list.sort();
              break;
            case "pop": {
              if (model.length === 0) {
                expect(list.pop()).toBeUndefined();
                break;
              }
              const at = step[1] < 0 ? step[1] + model.length : step[1];
              if (at < 0 || at >= model.length) {
                expect(() => list.pop(step[1])).toThrow(RangeError);
                break;
              }
              expect(list.pop(step[1])).toBe(model.splice(at, 1)[0]);
              break;
            }
          }
          expect(list.length).toBe(model.length);
        }
        expect(list.slice()).toEqual(model);
        for (let v = 0; v <= 5; v++)
          expect(list.count(v)).toBe(model.filter((x) => x === v).length);
      }),
      { numRuns: scaled(150) },
    );
  });
});
