import { readFileSync } from "node:fs";
import { readmeAndExample } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { EXIT, EXIT_RECORD_BYTES, RUNNING } from "../src/internal.js";
import { runProgram } from "./program.js";

const { readme, example: exampleSource } = readmeAndExample(
  import.meta.url,
  "./fixtures/readme-example.ts",
);

describe("README", () => {
  it("shows the example exactly as tested", () => {
    expect(readme).toContain(exampleSource);
  });

  it("the example runs as a program and prints what its comments say", async () => {
    const result = await runProgram(new URL("./fixtures/readme-example.ts", import.meta.url));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("0 1 4 9\n0 0 0 1\nRangeError: sq-3 refuses 3\n");
    expect(result.stderr).toContain("Process sq-3:\nRangeError: sq-3 refuses 3");
  });

  it("the seed pattern works as a program in .ts (blocking join) and .mjs (joinAsync)", async () => {
    for (const file of ["./fixtures/seed.ts", "./fixtures/seed.mjs"]) {
      const result = await runProgram(new URL(file, import.meta.url));
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split("\n");
      expect(lines.filter((l) => l === "main starts")).toHaveLength(1); // not in the workers
      expect(lines.filter((l) => / done in P-[abc]$/.test(l)).sort()).toEqual([
        "a done in P-a",
        "b done in P-b",
        "c done in P-c",
      ]);
      expect(lines).toContain("exit codes 0,0,0");
    }
  });

  it("serve.js (the worker start) repeats the exit record's constants correctly", () => {
    const serve = readFileSync(new URL("../src/serve.js", import.meta.url), "utf8");
    expect(serve).toContain(`const EXIT = ${EXIT};`);
    expect(serve).toContain("const RUNNING = -(2 ** 31);");
    expect(RUNNING).toBe(-(2 ** 31));
    expect(serve).toContain(`const RECORD_BYTES = ${EXIT_RECORD_BYTES};`);
  });
});
