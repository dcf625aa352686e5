import { readmeAndExample } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { example } from "./fixtures/example.js";

const { readme, example: exampleSource } = readmeAndExample(
  import.meta.url,
  "./fixtures/example.ts",
);

describe("README", () => {
  it("shows the example exactly as tested", () => {
    expect(readme).toContain(exampleSource);
  });

  it("the example prints what its comments say", async () => {
    expect(await example()).toEqual([
      "held 2, value 0",
      "tryAcquire: false",
      "full: true",
      "value 2",
      "RangeError, value 1",
      "owned true, value 3",
    ]);
  });
});
