import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidHandleError } from "../src/index.js";
import {
  allocate,
  attach,
  CACHE_LINE_BYTES,
  checkRegion,
  defineLayout,
  type FieldSpec,
} from "../src/internal.js";

describe("defineLayout", () => {
  it("lays fields out in order with natural alignment", () => {
    const layout = defineLayout({
      tag: "int32",
      count: "bigint64",
      flag: "int32",
      ratio: "float64",
      bytes: { type: "bytes", byteLength: 3 },
      tail: "int32",
    });
    const at = (name: keyof typeof layout.fields) => layout.fields[name].byteOffset;
    expect([at("tag"), at("count"), at("flag"), at("ratio"), at("bytes"), at("tail")]).toEqual([
      0, 8, 16, 24, 32, 36,
    ]);
    expect(layout.fields.count.index).toBe(1); // BigInt64Array index
    expect(layout.fields.tail.index).toBe(9); // Int32Array index
    expect(layout.alignment).toBe(8);
    expect(layout.byteLength).toBe(40);
  });

  it("int32 arrays and aligned byte regions", () => {
    const layout = defineLayout({
      tag: "int32",
      slots: { type: "int32", length: 3 },
      data: { type: "bytes", byteLength: 10, align: 16 },
    });
    expect(layout.fields.slots).toMatchObject({
      byteOffset: 4,
      byteLength: 12,
      index: 1,
      length: 3,
    });
    expect(layout.fields.data).toMatchObject({ byteOffset: 16, byteLength: 10, align: 16 });
    expect(layout.alignment).toBe(16);
    expect(layout.byteLength).toBe(32);
  });

  it("puts cacheLine fields on lines of their own", () => {
    const layout = defineLayout({
      tag: "int32",
      writeIndex: { type: "int32", cacheLine: true },
      readIndex: { type: "int32", cacheLine: true },
      after: "int32",
    });
    expect(layout.fields.writeIndex.byteOffset).toBe(64);
    expect(layout.fields.readIndex.byteOffset).toBe(128);
    expect(layout.fields.after.byteOffset).toBe(192);
    expect(layout.byteLength).toBe(196);
    const last = defineLayout({ tag: "int32", hot: { type: "int32", cacheLine: true } });
    expect(last.byteLength).toBe(128);
  });

  it.each([
    [{ x: { type: "int32", length: 0 } }, "x.length must be an integer from 1"],
    [{ x: { type: "int32", length: 1.5 } }, "x.length"],
    [{ x: { type: "bytes", byteLength: -1 } }, "x.byteLength"],
    [{ x: { type: "bytes", byteLength: 4, align: 3 } }, "x.align must be a power of two"],
    [{ x: { type: "int16" } }, 'field x has type "int16"'],
    [
      { x: { type: "bytes", byteLength: 2 ** 31 - 1 }, y: "int32" },
      "passes 2^31 - 1 bytes at field y",
    ],
  ])("rejects %o", (spec, fragment) => {
    expect(() => defineLayout(spec as Record<string, FieldSpec>)).toThrow(RangeError);
    expect(() => defineLayout(spec as Record<string, FieldSpec>)).toThrow(fragment);
  });

  const fieldSpec: fc.Arbitrary<FieldSpec> = fc.oneof(
    fc.constantFrom<FieldSpec>("int32", "bigint64", "float64"),
    fc.record({
      type: fc.constantFrom("int32" as const, "bigint64" as const, "float64" as const),
      length: fc.integer({ min: 1, max: 9 }),
      cacheLine: fc.boolean(),
    }),
    fc.record({
      type: fc.constant("bytes" as const),
      byteLength: fc.integer({ min: 0, max: 200 }),
      align: fc.constantFrom(1, 2, 4, 8, 16, 64),
      cacheLine: fc.boolean(),
    }),
  );

  it("never overlaps fields, respects alignment and cache lines (property)", () => {
    fc.assert(
      fc.property(fc.array(fieldSpec, { minLength: 1, maxLength: 12 }), (specs) => {
        const layout = defineLayout(Object.fromEntries(specs.map((s, i) => [`f${i}`, s])));
        const fields = specs.map((spec, i) => ({ spec, field: layout.fields[`f${i}`]! }));
        let end = 0;
        for (const { spec, field } of fields) {
          expect(field.byteOffset).toBeGreaterThanOrEqual(end); // in order, no overlap
          expect(field.byteOffset % field.align).toBe(0);
          end = field.byteOffset + field.byteLength;
          expect(layout.alignment % field.align === 0 || layout.alignment >= field.align).toBe(
            true,
          );
          if (typeof spec !== "string" && spec.cacheLine) {
            expect(field.byteOffset % CACHE_LINE_BYTES).toBe(0);
          }
        }
        expect(layout.byteLength).toBeGreaterThanOrEqual(end);
        expect(layout.byteLength % layout.alignment).toBe(0);
        // A cacheLine field shares no line with any other field.
        for (const [i, { spec, field }] of fields.entries()) {
          if (typeof spec === "string" || !spec.cacheLine || field.byteLength === 0) continue;
          const lines = [
            Math.floor(field.byteOffset / 64),
            Math.floor((field.byteOffset + field.byteLength - 1) / 64),
          ];
          for (const [j, other] of fields.entries()) {
            if (j === i || other.field.byteLength === 0) continue;
            const first = Math.floor(other.field.byteOffset / 64);
            const last = Math.floor((other.field.byteOffset + other.field.byteLength - 1) / 64);
            expect(last < lines[0]! || first > lines[1]!).toBe(true);
          }
        }
      }),
    );
  });
});

describe("allocate and attach", () => {
  const LAYOUT = defineLayout({ tag: "int32", state: "int32", counter: "bigint64" });

  it("allocates a zeroed SharedArrayBuffer of the layout's size", () => {
    const buffer = allocate(LAYOUT);
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(buffer.byteLength).toBe(16);
    expect(allocate(100).byteLength).toBe(100);
    expect(() => allocate(-1)).toThrow("allocate: byteLength");
  });

  it("attaches at an aligned offset and gives an Int32Array over the region", () => {
    const buffer = new SharedArrayBuffer(64);
    const region = attach(LAYOUT, buffer, 24);
    expect(region.byteOffset).toBe(24);
    expect(region.byteLength).toBe(16);
    expect(region.i32.byteOffset).toBe(24);
    expect(region.i32.length).toBe(4);
    Atomics.store(region.i32, LAYOUT.fields.state.index, 7);
    expect(new Int32Array(buffer)[7]).toBe(7);
  });

  const catalogue: Array<[string, unknown, unknown, unknown, string]> = [
    [
      "a plain ArrayBuffer",
      new ArrayBuffer(64),
      0,
      16,
      "buffer must be a SharedArrayBuffer, got a plain ArrayBuffer",
    ],
    [
      "an Int32Array",
      new Int32Array(new SharedArrayBuffer(64)),
      0,
      16,
      "got a Int32Array: pass its .buffer",
    ],
    ["a Float64Array", new Float64Array(8), 0, 16, "got a Float64Array"],
    ["a DataView", new DataView(new SharedArrayBuffer(64)), 0, 16, "got a DataView"],
    ["null", null, 0, 16, "got null"],
    [
      "an offset not aligned to 8",
      new SharedArrayBuffer(64),
      4,
      16,
      "byteOffset must be a multiple of 8",
    ],
    [
      "an odd offset",
      new SharedArrayBuffer(64),
      3,
      16,
      "multiple of 8 (the layout's alignment), got 3",
    ],
    [
      "a negative offset",
      new SharedArrayBuffer(64),
      -8,
      16,
      "byteOffset must be an integer >= 0, got -8",
    ],
    ["a fractional offset", new SharedArrayBuffer(64), 8.5, 16, "got 8.5"],
    ["a string offset", new SharedArrayBuffer(64), "8", 16, 'got "8"'],
    [
      "a NaN length",
      new SharedArrayBuffer(64),
      0,
      Number.NaN,
      "byteLength must be an integer >= 0, got NaN",
    ],
    [
      "a region too small",
      new SharedArrayBuffer(64),
      0,
      8,
      "byteLength is 8 but the layout needs at least 16",
    ],
    ["zero length", new SharedArrayBuffer(64), 0, 0, "byteLength is 0"],
    ["a buffer too small", new SharedArrayBuffer(8), 0, 16, "past the end of the 8-byte buffer"],
    ["a zero-length buffer", new SharedArrayBuffer(0), 0, 16, "past the end of the 0-byte buffer"],
    [
      "offset + length past the end",
      new SharedArrayBuffer(64),
      56,
      16,
      "56 + 16 = 72 is past the end",
    ],
  ];

  it.each(catalogue)(
    "rejects %s with an InvalidHandleError",
    (_label, buffer, offset, length, fragment) => {
      const run = () => attach(LAYOUT, buffer, offset, length, "Thing.attach");
      expect(run).toThrow(InvalidHandleError);
      expect(run).toThrow(fragment);
      expect(run).toThrow("Thing.attach: ");
    },
  );

  it("checkRegion names fields with a prefix", () => {
    expect(() =>
      checkRegion(new ArrayBuffer(8), 0, 8, { what: "Lock.from(handle)", fieldPrefix: "handle." }),
    ).toThrow("Lock.from(handle): handle.buffer must be a SharedArrayBuffer");
  });
});
