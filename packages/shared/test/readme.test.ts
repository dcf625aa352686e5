import { readmeAndExample, runInWorkers } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { main } from "./fixtures/readme-example.js";

const { readme, example: exampleSource } = readmeAndExample(
  import.meta.url,
  "./fixtures/readme-example.ts",
);
const LINES = ["the cat sat", "the dog sat", "a cat ran"];

describe("README", () => {
  it("shows the example exactly as tested", () => {
    expect(readme).toContain(exampleSource);
  });

  it("the example runs: three workers count words into one SharedDict", async () => {
    const result = await main(async (handles) => {
      await runInWorkers(new URL("./scenarios/readme.scenario.ts", import.meta.url), "runWorker", {
        workers: 3,
        args: (i) => [handles, LINES[i]],
        timeoutMs: 60_000,
      });
    });
    expect(result).toEqual({
      counts: { a: 1, cat: 2, dog: 1, ran: 1, sat: 2, the: 2 },
      seen: ["a", "cat", "dog", "ran", "sat", "the"],
      lines: 3,
    });
  }, 70_000);
});
