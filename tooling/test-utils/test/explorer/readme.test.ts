import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findTheBug } from "./readme-example.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README: explorer example", () => {
  it("shows the example exactly as tested", () => {
    const source = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain(source.trim());
  });

  it("finds the planted lost wake-up, replays it, and passes the fix", () => {
    const result = findTheBug();
    expect(result).toEqual({
      kind: "deadlock",
      replayed: "deadlock",
      fixedFailure: undefined,
      fixedSchedules: result.fixedSchedules,
    });
    expect(result.fixedSchedules).toBeGreaterThan(1);
  });
});
