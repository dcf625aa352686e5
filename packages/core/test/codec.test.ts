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

describe("structuredCodec fast paths: encodeInto, decodeRange, key and shape caches", () => {
  const encodeInto = structuredCodec.encodeInto!;
  const decodeRange = structuredCodec.decodeRange!;

  it("encodeInto appends exactly encode's bytes after what the sink holds, growing it and keeping its prefix", () => {
    const value = { id: 12345, name: "alpha", tags: ["x", "y"], score: 3.5, big: "z".repeat(3000) };
    const expected = structuredCodec.encode(value).slice();
    const sink = { bytes: new Uint8Array(16).fill(7), position: 5 };
    encodeInto(value, sink);
    expect(sink.position).toBe(5 + expected.length);
    expect(sink.bytes.length).toBeGreaterThanOrEqual(sink.position);
    expect([...sink.bytes.subarray(0, 5)]).toEqual([7, 7, 7, 7, 7]);
    expect(sink.bytes.subarray(5, sink.position)).toEqual(expected);
    expect(decodeRange(sink.bytes, 5, sink.position)).toEqual(value);
  });

  it("encodeInto that throws leaves sink.position where it was", () => {
    const sink = { bytes: new Uint8Array(64), position: 8 };
    expect(() => encodeInto({ a: 1, f: () => 1 }, sink)).toThrow(TypeError);
    expect(sink.position).toBe(8);
    encodeInto(2, sink);
    expect(decodeRange(sink.bytes, 8, sink.position)).toBe(2);
  });

  it("decodeRange reads only its range: bytes after the end are not part of the message", () => {
    const bytes = structuredCodec.encode([1, "ab", { k: 3 }]).slice();
    const padded = new Uint8Array(bytes.length + 9);
    padded.set(bytes, 4);
    padded.fill(10, 4 + bytes.length); // 10 = the hole tag, 4 = int32: must not be read
    expect(decodeRange(padded, 4, 4 + bytes.length)).toEqual([1, "ab", { k: 3 }]);
    // A message cut short inside a range is corrupted even when bytes follow it.
    for (let end = 4; end < 4 + bytes.length; end++) {
      expect(() => decodeRange(padded, 4, end)).toThrow(RangeError);
    }
    for (const [start, end] of [
      [-1, 2],
      [3, 2],
      [0, padded.length + 1],
      [0.5, 2],
    ] as const) {
      expect(() => decodeRange(padded, start, end)).toThrow(/not a range inside/);
    }
  });

  it("objects of changing shapes decode exactly, one after another (the key prediction misses and recovers)", () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key${i}`, i]));
    const values: unknown[] = [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      { a: 1, bb: 2 },
      { ab: 1, ba: 2 },
      { ba: 1, ab: 2 },
      many,
      { a: { a: { a: 1 } }, "": 0, x: "x", "0": "zero", "10": "ten" },
      { a: 1, b: 2 },
      { é: 1, ["k".repeat(40)]: 2 },
      { a: 1, b: 2 },
    ];
    for (const value of [...values, ...values]) {
      const back = roundTrip(structuredCodec, value);
      expect(back).toEqual(value);
      expect(Object.keys(back as object)).toEqual(Object.keys(value as object));
    }
  });

  it("an object of 200 keys (key count moved up past one byte) keeps every key in order", () => {
    const value = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, [i]]));
    const back = roundTrip(structuredCodec, { before: 1, value, after: 2 }) as Record<
      string,
      unknown
    >;
    expect(Object.keys(back.value as object)).toEqual(Object.keys(value));
    expect(back).toEqual({ before: 1, value, after: 2 });
  });

  it("an enumerable property added to Object.prototype is not sent (only own keys, as structured clone)", () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      const back = roundTrip(structuredCodec, { a: 1 });
      expect(Object.keys(back as object)).toEqual(["a"]);
      expect(Object.hasOwn(back as object, "polluted")).toBe(false);
      // A key decoded for the first time while the prototype is polluted is still itself.
      const odd = JSON.parse('{"__proto__": 1, "zq_first_seen": 2}') as object;
      const oddBack = roundTrip(structuredCodec, odd) as object;
      expect(Object.keys(oddBack)).toEqual(["__proto__", "zq_first_seen"]);
      expect(Object.getOwnPropertyDescriptor(oddBack, "__proto__")?.value).toBe(1);
    } finally {
      delete proto.polluted;
    }
  });

  it("a key a getter deletes before it is reached is skipped, as structured clone skips it", () => {
    const value: Record<string, unknown> = {
      get a() {
        delete value.b;
        return 1;
      },
      b: 2,
      c: 3,
    };
    const back = roundTrip(structuredCodec, value) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(["a", "c"]);
    expect(back).toEqual({ a: 1, c: 3 });
  });

  it("decoded keys and short strings are equal to the sent ones for every byte value", () => {
    const text = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
    const value = Object.fromEntries(text.map((c) => [`k${c}`, c]));
    expect(roundTrip(structuredCodec, value)).toEqual(value);
    expect(roundTrip(structuredCodec, text)).toEqual(text);
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
