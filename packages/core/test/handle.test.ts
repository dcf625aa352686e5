import { describe, expect, it } from "vitest";
import { InvalidHandleError } from "../src/index.js";
import { defineKind, defineLayout, kindTag } from "../src/internal.js";
import { TinyLock } from "./fixtures/tiny-lock.js";

const LAYOUT = defineLayout({ tag: "int32", state: "int32", total: "bigint64" });
const WIDGET = defineKind({
  kind: "test.widget",
  version: 2,
  package: "@sabkit/test-widget",
  layout: LAYOUT,
});
const GADGET = defineKind({
  kind: "test.gadget",
  version: 1,
  package: "@sabkit/test-gadget",
  layout: LAYOUT,
});

function widgetHandle(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "test.widget",
    version: 2,
    package: "@sabkit/test-widget",
    buffer: new SharedArrayBuffer(64),
    byteOffset: 16,
    byteLength: 16,
    ...overrides,
  };
}

describe("kindTag", () => {
  it("is stable, differs by kind and version, and is never 0, negative or 2^31-1", () => {
    expect(kindTag("lock", 1)).toBe(kindTag("lock", 1));
    expect(kindTag("lock", 1)).not.toBe(kindTag("lock", 2));
    expect(kindTag("lock", 1)).not.toBe(kindTag("rlock", 1));
    for (const kind of [
      "lock",
      "rlock",
      "semaphore",
      "queue",
      "event",
      "barrier",
      "pipe",
      "x",
      "",
    ]) {
      for (let version = 1; version < 50; version++) {
        const tag = kindTag(kind, version);
        expect(tag).toBeGreaterThanOrEqual(2 ** 30);
        expect(tag).toBeLessThan(2 ** 31 - 1);
        expect(tag | 0).toBe(tag);
      }
    }
  });
});

describe("HandleKind.makeHandle", () => {
  it("makes a frozen, structured-cloneable handle with kind-specific fields", () => {
    const buffer = new SharedArrayBuffer(32);
    const handle = WIDGET.makeHandle({ buffer, byteOffset: 8, byteLength: 16 }, {
      capacity: 3,
    } as never) as unknown as Record<string, unknown>;
    expect(handle).toEqual({
      capacity: 3,
      kind: "test.widget",
      version: 2,
      package: "@sabkit/test-widget",
      buffer,
      byteOffset: 8,
      byteLength: 16,
    });
    expect(Object.isFrozen(handle)).toBe(true);
    const clone = structuredClone(handle);
    // SharedArrayBuffers are shared, not copied.
    new Int32Array(clone.buffer as SharedArrayBuffer)[3] = 42;
    expect(new Int32Array(buffer)[3]).toBe(42);
    expect(WIDGET.validate(clone)).toBe(clone);
  });
});

describe("HandleKind.validate", () => {
  it("accepts a valid handle and returns it", () => {
    const handle = widgetHandle();
    expect(WIDGET.validate(handle)).toBe(handle);
  });

  const catalogue: Array<[string, unknown, string]> = [
    [
      "undefined",
      undefined,
      "expected a handle object (the .handle of a test.widget), got undefined",
    ],
    ["null", null, "got null"],
    ["a number", 5, "got 5"],
    ["a string", "lock", 'got "lock"'],
    [
      "a missing kind",
      widgetHandle({ kind: undefined }),
      'handle.kind must be the string "test.widget", got undefined',
    ],
    [
      "a wrong kind",
      widgetHandle({ kind: "test.gadget", package: "@sabkit/test-gadget" }),
      'expected a handle of kind "test.widget", got kind "test.gadget" (defined by @sabkit/test-gadget)',
    ],
    [
      "a wrong version",
      widgetHandle({ version: 1 }),
      "handle.version is 1 but this copy of @sabkit/test-widget reads layout version 2",
    ],
    ["a string version", widgetHandle({ version: "2" }), 'handle.version is "2"'],
    [
      "a plain ArrayBuffer",
      widgetHandle({ buffer: new ArrayBuffer(64) }),
      "handle.buffer must be a SharedArrayBuffer, got a plain ArrayBuffer",
    ],
    [
      "a typed array",
      widgetHandle({ buffer: new Int32Array(new SharedArrayBuffer(64)) }),
      "handle.buffer must be a SharedArrayBuffer, got a Int32Array",
    ],
    [
      "a Float64Array",
      widgetHandle({ buffer: new Float64Array(new SharedArrayBuffer(64)) }),
      "got a Float64Array",
    ],
    [
      "a DataView",
      widgetHandle({ buffer: new DataView(new SharedArrayBuffer(64)) }),
      "got a DataView",
    ],
    [
      "a missing buffer",
      widgetHandle({ buffer: undefined }),
      "handle.buffer must be a SharedArrayBuffer, got undefined",
    ],
    [
      "a fractional byteOffset",
      widgetHandle({ byteOffset: 1.5 }),
      "handle.byteOffset must be an integer >= 0, got 1.5",
    ],
    [
      "a negative byteOffset",
      widgetHandle({ byteOffset: -8 }),
      "handle.byteOffset must be an integer >= 0, got -8",
    ],
    [
      "a byteOffset aligned to 4, not 8",
      widgetHandle({ byteOffset: 4 }),
      "handle.byteOffset must be a multiple of 8",
    ],
    [
      "a missing byteLength",
      widgetHandle({ byteLength: undefined }),
      "handle.byteLength must be an integer >= 0, got undefined",
    ],
    [
      "a handle too small for the layout",
      widgetHandle({ byteLength: 8 }),
      "handle.byteLength is 8 but the layout needs at least 16",
    ],
    ["a zero-length region", widgetHandle({ byteLength: 0 }), "handle.byteLength is 0"],
    [
      "a region past the end",
      widgetHandle({ byteOffset: 56 }),
      "handle.byteOffset + handle.byteLength = 56 + 16 = 72 is past the end of the 64-byte buffer",
    ],
    [
      "a buffer too small for the header",
      widgetHandle({ buffer: new SharedArrayBuffer(8), byteOffset: 0 }),
      "past the end of the 8-byte buffer",
    ],
  ];

  it.each(catalogue)(
    "rejects %s with an InvalidHandleError naming the field",
    (_label, value, fragment) => {
      const run = () => WIDGET.validate(value);
      expect(run).toThrow(InvalidHandleError);
      expect(run).toThrow("test.widget.from(handle): ");
      expect(run).toThrow(fragment);
    },
  );
});

describe("type tags", () => {
  it("checkTag accepts the tag writeTag wrote", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(16));
    WIDGET.writeTag(i32);
    expect(i32[0]).toBe(WIDGET.tag);
    WIDGET.checkTag(i32);
  });

  it("names the primitive whose tag the region holds", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(16));
    GADGET.writeTag(i32);
    expect(() => WIDGET.checkTag(i32, 0, "Widget.from(handle)")).toThrow(
      "Widget.from(handle): expected the test.widget type tag",
    );
    expect(() => WIDGET.checkTag(i32)).toThrow(
      "holds the tag of test.gadget (layout version 1, @sabkit/test-gadget): this region is another primitive",
    );
  });

  it.each([
    [0, "is 0: this region was never initialised"],
    [-1, "holds -1: this region is not a test.widget"],
    [2 ** 31 - 1, "holds 2147483647"],
    [-(2 ** 31), "holds -2147483648"],
    [kindTag("test.widget", 1), "(another layout version, not sabkit memory, or corrupted)"],
  ])("rejects a tag word of %i", (word, fragment) => {
    const i32 = new Int32Array(new SharedArrayBuffer(16));
    i32[2] = word;
    expect(() => WIDGET.checkTag(i32, 2)).toThrow(InvalidHandleError);
    expect(() => WIDGET.checkTag(i32, 2)).toThrow(fragment);
    expect(() => WIDGET.checkTag(i32, 2)).toThrow("the word at byte 8");
  });

  it("refuses a layout whose first field is not an int32 tag at offset 0", () => {
    const bad = defineLayout({ total: "bigint64", tag: "int32" });
    expect(() => defineKind({ kind: "x", version: 1, package: "x", layout: bad })).toThrow(
      "first field must be the int32 type tag",
    );
    expect(() => defineKind({ kind: "", version: 1, package: "x", layout: LAYOUT })).toThrow(
      TypeError,
    );
    expect(() => defineKind({ kind: "x", version: 0, package: "x", layout: LAYOUT })).toThrow(
      RangeError,
    );
  });
});

describe("a primitive built on core (the README's TinyLock)", () => {
  it("revives from its handle and rejects a forged region", () => {
    const lock = new TinyLock();
    const again = TinyLock.from(structuredClone(lock.handle));
    {
      using _held = lock.acquire();
      expect(() => again.acquire({ timeout: 0 })).toThrow("TinyLock.acquire timed out after 0 ms");
    }
    again.acquire({ timeout: 0 }).release();

    const forged = { ...lock.handle, buffer: new SharedArrayBuffer(8) };
    expect(() => TinyLock.from(forged)).toThrow(
      "TinyLock.from(handle): expected the example.tiny-lock type tag",
    );
    expect(() => TinyLock.from({ ...lock.handle, kind: "lock" })).toThrow(InvalidHandleError);
  });
});

describe("HandleKind.attachHandle", () => {
  it("returns the primitive's int32 view once region and tag check out", () => {
    const buffer = new SharedArrayBuffer(64);
    const handle = WIDGET.validate(widgetHandle({ buffer }));
    WIDGET.writeTag(new Int32Array(buffer, 16, 4));
    const i32 = WIDGET.attachHandle(handle);
    expect(i32.byteOffset).toBe(16);
    expect(i32[0]).toBe(WIDGET.tag);
  });

  it("rejects a region holding another kind's tag, naming the caller", () => {
    const buffer = new SharedArrayBuffer(64);
    const handle = WIDGET.validate(widgetHandle({ buffer }));
    GADGET.writeTag(new Int32Array(buffer, 16, 4));
    expect(() => WIDGET.attachHandle(handle, "Widget.from(handle)")).toThrow(InvalidHandleError);
    expect(() => WIDGET.attachHandle(handle, "Widget.from(handle)")).toThrow(
      /^Widget\.from\(handle\): expected the test\.widget type tag/,
    );
  });
});
