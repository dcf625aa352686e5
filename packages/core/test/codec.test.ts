import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesCodec, type Codec, jsonCodec, structuredCodec } from "../src/index.js";

const roundTrip = <T>(codec: Codec<T>, value: T): T => codec.decode(codec.encode(value).slice());

describe("structuredCodec: what structured clone round-trips", () => {
  it.each([
    ["int32", 42],
    ["negative int", -(2 ** 31)],
    ["float", 3.25],
    ["-0", -0],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["2^53", 2 ** 53],
    ["undefined", undefined],
    ["null", null],
    ["booleans", [true, false]],
    ["ASCII string", "hello"],
    ["long ASCII string", "x".repeat(1000)],
    ["UTF-8 string", "héllo ✓ 😀"],
    ["lone surrogate", "\ud800"],
    ["empty string", ""],
    ["bigint", 12345678901234567890123n],
    ["negative bigint", -(2n ** 64n)],
    ["0n", 0n],
    ["Date", new Date(1_700_000_000_000)],
    ["invalid Date", new Date(Number.NaN)],
    ["RegExp", /a[b-c]+/gimsuy],
    [
      "Map",
      new Map<unknown, unknown>([
        [1, "a"],
        ["k", { x: [1] }],
      ]),
    ],
    ["Set", new Set([1, "a", null])],
    ["Float64Array", new Float64Array([1.5, -0, Number.NaN])],
    ["BigInt64Array", new BigInt64Array([1n, -1n])],
    ["Uint8ClampedArray", new Uint8ClampedArray([0, 255])],
    ["DataView", new DataView(new Uint8Array([1, 2, 3]).buffer)],
    ["ArrayBuffer", new Uint8Array([9, 8]).buffer],
    ["nested", { a: [{ b: new Map([["k", new Set([new Date(1)])]]) }], c: { d: { e: "f" } } }],
    ["boxed", [Object(1), Object("s"), Object(true), Object(5n)]],
    ["null-prototype object", Object.assign(Object.create(null), { a: 1 })],
  ])("%s", (_, value) => {
    const back = roundTrip(structuredCodec, value);
    expect(back).toEqual(value);
    expect(back).toEqual(structuredClone(value));
    if (Object.is(value, -0)) expect(Object.is(back, -0)).toBe(true);
  });

  it("keeps array holes", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const back = roundTrip(structuredCodec, [1, , 3]) as unknown[];
    expect(back.length).toBe(3);
    expect(1 in back).toBe(false);
  });

  it("keeps cycles and shared references, as structured clone does", () => {
    const shared = { n: 1 };
    const value: Record<string, unknown> = { a: shared, b: shared, list: [shared] };
    value.self = value;
    const map = new Map<string, unknown>();
    map.set("me", map);
    value.map = map;
    const back = roundTrip(structuredCodec, value) as typeof value & {
      a: object;
      list: object[];
      map: Map<string, unknown>;
    };
    expect(back.a).toBe(back.b);
    expect(back.list[0]).toBe(back.a);
    expect(back.self).toBe(back);
    expect(back.map.get("me")).toBe(back.map);
  });

  it("errors keep class, message, stack and cause", () => {
    const error = new TypeError("bad", { cause: { code: 7 } });
    const back = roundTrip(structuredCodec, error) as TypeError;
    expect(back).toBeInstanceOf(TypeError);
    expect(back.message).toBe("bad");
    expect(back.stack).toBe(error.stack);
    expect(back.cause).toEqual({ code: 7 });
    const custom = new Error("x");
    custom.name = "MyError";
    expect((roundTrip(structuredCodec, custom) as Error).name).toBe("MyError");
  });

  it("class instances arrive as plain objects of their own enumerable properties", () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    expect(roundTrip(structuredCodec, new Point(1, 2))).toEqual({ x: 1, y: 2 });
  });

  it.each([
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a WeakMap", new WeakMap()],
    ["a WeakSet", new WeakSet()],
    ["a Promise", Promise.resolve()],
    ["a nested function", { deep: [{ f: () => 1 }] }],
  ])("refuses %s with a TypeError, as structured clone does", (_, value) => {
    expect(() => structuredCodec.encode(value)).toThrow(TypeError);
    expect(() => structuredClone(value)).toThrow();
  });

  it("refuses a SharedArrayBuffer (structured clone would share it; bytes cannot): TypeError saying what to do", () => {
    expect(() => structuredCodec.encode({ memory: new SharedArrayBuffer(4) })).toThrow(
      /SharedArrayBuffer.*shared, not copied/,
    );
  });

  it("a getter that throws propagates its error", () => {
    const value = {
      get boom() {
        throw new Error("getter");
      },
    };
    expect(() => structuredCodec.encode(value)).toThrow("getter");
    expect(structuredCodec.decode(structuredCodec.encode({ fine: 1 }).slice())).toEqual({
      fine: 1,
    });
  });

  it("is re-entrant: a getter that encodes does not corrupt the outer message", () => {
    const inner = {
      get nested() {
        return Array.from(structuredCodec.encode({ inner: true }));
      },
    };
    const bytes = structuredCodec.encode({ a: 1, inner }).slice();
    const back = structuredCodec.decode(bytes) as { a: number; inner: { nested: number[] } };
    expect(back.a).toBe(1);
    expect(structuredCodec.decode(Uint8Array.from(back.inner.nested))).toEqual({ inner: true });
  });

  it("encode's bytes stay valid until the next encode; views over shared memory arrive as copies", () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    view[1] = 5;
    const back = roundTrip(structuredCodec, view) as Int32Array;
    expect([...back]).toEqual([0, 5]);
    expect(back.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it("corrupted or foreign bytes are a RangeError, never a hang or a huge allocation", () => {
    const cases = [
      new Uint8Array([]),
      new Uint8Array([99]),
      new Uint8Array([9, 0xff, 0xff, 0xff, 0xff, 0x0f]), // an array claiming 2^32 items
      new Uint8Array([6, 10, 65]), // a string longer than the bytes
      new Uint8Array([19, 0]), // a reference to nothing
      new Uint8Array([4, 1, 2]), // a truncated int
      new Uint8Array([4, 1, 0, 0, 0, 4]), // bytes left over
      new Uint8Array([17, 99, 0]), // unknown typed array
      new Uint8Array([17, 9, 3, 1, 2, 3]), // Float64Array of 3 bytes
      new Uint8Array([9, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), // endless varint
    ];
    for (const bytes of cases) expect(() => structuredCodec.decode(bytes)).toThrow(RangeError);
  });

  it("property: any JSON-like value round-trips exactly (fast-check)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(roundTrip(structuredCodec, value)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it("property: values made of primitives, arrays, objects, Maps, Sets and Dates round-trip as structuredClone does", () => {
    const leaf = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(undefined),
      fc.constant(null),
      fc.date(),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("tree")),
        fc.dictionary(fc.string(), tie("tree")),
        fc.array(tie("tree")).map((xs) => new Set(xs)),
        fc.array(fc.tuple(leaf, tie("tree"))).map((xs) => new Map(xs)),
      ),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        expect(roundTrip(structuredCodec, value)).toEqual(structuredClone(value));
      }),
      { numRuns: 300 },
    );
  });
});

describe("jsonCodec and bytesCodec", () => {
  it("jsonCodec round-trips JSON and refuses what JSON cannot say", () => {
    expect(roundTrip(jsonCodec, { a: [1, "x", null] })).toEqual({ a: [1, "x", null] });
    expect(() => jsonCodec.encode(undefined)).toThrow(TypeError);
    expect(() => jsonCodec.encode(1n)).toThrow(TypeError);
    expect(new TextDecoder().decode(jsonCodec.encode({ k: "ü" }))).toBe('{"k":"ü"}');
  });

  it("bytesCodec takes Uint8Array as is and decodes to a copy", () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(bytesCodec.encode(data)).toBe(data);
    const back = bytesCodec.decode(data);
    expect(back).toEqual(data);
    expect(back).not.toBe(data);
    expect(() => bytesCodec.encode([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it("built-in names identify the codecs in handles", () => {
    expect([structuredCodec.name, jsonCodec.name, bytesCodec.name]).toEqual([
      "sabkit.structured",
      "sabkit.json",
      "sabkit.bytes",
    ]);
  });
});
