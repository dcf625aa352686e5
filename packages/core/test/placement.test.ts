import { describe, expect, it } from "vitest";
import { InvalidHandleError } from "../src/index.js";
import { attachedHandle, attachOptions, defineLayout, placeRegion } from "../src/internal.js";

const LAYOUT = defineLayout({ tag: "int32", state: "int32", value: "float64" });

describe("placement: a primitive in its own memory or in a region of the caller's buffer", () => {
  it("without a buffer: a fresh SharedArrayBuffer of exactly the layout", () => {
    const region = placeRegion(LAYOUT, undefined, "new Thing()");
    expect(region.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([region.byteOffset, region.byteLength, region.buffer.byteLength]).toEqual([0, 16, 16]);
  });

  it("in the caller's buffer: the region at byteOffset, zeroed, the bytes around it untouched", () => {
    const buffer = new SharedArrayBuffer(64);
    new Uint8Array(buffer).fill(0xee);
    const region = placeRegion(LAYOUT, { buffer, byteOffset: 24 }, "new Thing()");
    expect([region.byteOffset, region.byteLength]).toEqual([24, 16]);
    const bytes = new Uint8Array(buffer);
    expect([...bytes.subarray(24, 40)].every((b) => b === 0)).toBe(true);
    expect(bytes[23]).toBe(0xee);
    expect(bytes[40]).toBe(0xee);
    region.i32[1] = 7;
    expect(new Int32Array(buffer)[7]).toBe(7); // word 1 of the region is word 7 of the buffer
  });

  it("many primitives share one buffer side by side", () => {
    const buffer = new SharedArrayBuffer(LAYOUT.byteLength * 1000);
    const regions = Array.from({ length: 1000 }, (_, i) =>
      placeRegion(LAYOUT, { buffer, byteOffset: i * LAYOUT.byteLength }, "new Thing()"),
    );
    regions.forEach((r, i) => {
      r.i32[0] = i;
    });
    expect(regions.map((r) => r.i32[0])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it.each([
    [{ buffer: new ArrayBuffer(64) }, "buffer must be a SharedArrayBuffer"],
    [{ buffer: new SharedArrayBuffer(64), byteOffset: 4 }, "aligned"],
    [{ buffer: new SharedArrayBuffer(64), byteOffset: 56 }, "needs 16 bytes aligned to 8"],
    [{ buffer: new SharedArrayBuffer(64), byteOffset: -8 }, "byteOffset"],
  ])("refuses a bad place %o with InvalidHandleError", (options, fragment) => {
    expect(() => placeRegion(LAYOUT, options, "new Thing(options)")).toThrow(InvalidHandleError);
    expect(() => placeRegion(LAYOUT, options, "new Thing(options)")).toThrow(fragment);
  });

  it("a byteOffset without a buffer is a TypeError that says to pass both or neither", () => {
    expect(() => placeRegion(LAYOUT, { byteOffset: 16 }, "new Thing(options)")).toThrow(
      "new Thing(options): byteOffset 16 was given without a buffer",
    );
  });

  it("attach options carry a handle no user option can spell", () => {
    const handle = { kind: "thing" };
    expect(attachedHandle(attachOptions(handle))).toBe(handle);
    expect(attachedHandle({ attach: handle, "sabkit.attach": handle })).toBeUndefined();
    expect(attachedHandle(undefined)).toBeUndefined();
    expect(attachedHandle(42)).toBeUndefined();
  });
});
