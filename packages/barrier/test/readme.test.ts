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
      "all 3 arrived",
      "indices 0,1,2",
      "true, broken true",
      "after reset: broken false",
      "tasks left 0",
    ]);
  });
});
