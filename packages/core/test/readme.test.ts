import { readFileSync } from "node:fs";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { share } from "../src/index.js";
import { TinyLock } from "./fixtures/tiny-lock.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the example primitive exactly as tested", () => {
    const source = readFileSync(new URL("./fixtures/tiny-lock.ts", import.meta.url), "utf8");
    expect(readme).toContain(source.trim());
  });

  it("the example primitive, shared through share/revive, excludes across 4 workers", async () => {
    const lock = new TinyLock();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const times = scaled(2_000);
    const done = await runInWorkers<number>(
      new URL("./scenarios/tiny-lock.scenario.ts", import.meta.url),
      "increment",
      { workers: 4, args: [share({ lock, counter }), times], timeoutMs: 20_000 },
    );
    expect(done).toEqual([times, times, times, times]);
    expect(counter[0]).toBe(4 * times);
  });
});
