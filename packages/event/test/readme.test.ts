import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { example } from "./fixtures/example.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the example exactly as tested", () => {
    const source = readFileSync(new URL("./fixtures/example.ts", import.meta.url), "utf8");
    expect(readme).toContain(source.trim());
  });

  it("the example prints what its comments say", async () => {
    expect(await example()).toEqual([
      "same event: true",
      "wait: false",
      "waitAsync: true",
      "isSet: true",
      "after clear: false",
    ]);
  });
});
