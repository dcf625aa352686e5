import { describe, expect, it } from "vitest";
import { type Codec, InvalidHandleError, jsonCodec, structuredCodec } from "../src/index.js";
import { checkCodec, resolveCodec } from "../src/internal.js";

const upper: Codec<string> = {
  name: "test.upper",
  encode: (value) => new TextEncoder().encode(value.toUpperCase()),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

describe("checkCodec", () => {
  it("returns a codec as it is", () => {
    expect(checkCodec(upper, "options.codec")).toBe(upper);
  });

  it.each([
    null,
    {},
    "json",
    { name: "", encode() {}, decode() {} },
    { name: "x", encode() {} },
    { name: "x", encode() {}, decode() {}, encodeInto: 1 },
    { name: "x", encode() {}, decode() {}, decodeRange: "no" },
  ])("rejects %j with a TypeError naming the option", (bad) => {
    expect(() => checkCodec(bad, "options.codec")).toThrow(TypeError);
    expect(() => checkCodec(bad, "options.codec")).toThrow(/options\.codec must be a Codec/);
  });
});

describe("resolveCodec", () => {
  it("finds a built-in codec by name", () => {
    expect(
      resolveCodec(structuredCodec.name, undefined, "X.from(handle)", "X.from(h, { codec })"),
    ).toBe(structuredCodec);
    expect(resolveCodec(jsonCodec.name, undefined, "X.from(handle)", "X.from(h, { codec })")).toBe(
      jsonCodec,
    );
  });

  it("takes the codec passed again when its name matches", () => {
    expect(resolveCodec("test.upper", upper, "X.from(handle)", "X.from(h, { codec })")).toBe(upper);
  });

  it("rejects a codec of another name, an unknown name and a forged name", () => {
    expect(() =>
      resolveCodec("test.upper", jsonCodec, "X.from(handle)", "X.from(h, { codec })"),
    ).toThrow(/made with codec "test.upper" but options.codec is "/);
    expect(() =>
      resolveCodec("test.upper", undefined, "X.from(handle)", "X.from(h, { codec })"),
    ).toThrow(
      /codec "test.upper", which is not built in: revive it with X\.from\(h, \{ codec \}\)/,
    );
    for (const forged of [5, "", null, undefined]) {
      expect(() =>
        resolveCodec(forged, undefined, "X.from(handle)", "X.from(h, { codec })"),
      ).toThrow(InvalidHandleError);
    }
  });
});
