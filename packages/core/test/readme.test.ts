import { readmeAndExample, runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { share } from "../src/index.js";
import { TinyLock } from "./fixtures/tiny-lock.js";

const { readme, example: exampleSource } = readmeAndExample(
  import.meta.url,
  "./fixtures/tiny-lock.ts",
);

describe("README", () => {
  it("shows the example primitive exactly as tested", () => {
    expect(readme).toContain(exampleSource);
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
