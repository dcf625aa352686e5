import { readmeAndExample, runInWorkers } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { main } from "./fixtures/readme-example.js";
import { pythonLike } from "./fixtures/readme-python.js";

const { readme, example: exampleSource } = readmeAndExample(
  import.meta.url,
  "./fixtures/readme-example.ts",
);
const LINES = ["the cat sat", "the dog sat", "a cat ran"];

describe("README", () => {
  it("shows the example exactly as tested", () => {
    expect(readme).toContain(exampleSource);
  });

  it("shows the Python-behaviour example exactly as tested, and it gives what its comments say", () => {
    const { readme: text, example } = readmeAndExample(
      import.meta.url,
      "./fixtures/readme-python.ts",
    );
    expect(text).toContain(example);
    expect(pythonLike()).toEqual({
      order: ["2", 0.25, 1],
      stock: new Map([
        ["apples", 2],
        ["sold", 1],
      ]),
      list: [1, 2, 3, 4, 5],
      ones: 1,
      at: 3,
    });
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
