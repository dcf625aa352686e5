import { readFileSync } from "node:fs";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { main } from "./fixtures/readme-example.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the example exactly as tested", () => {
    const source = readFileSync(new URL("./fixtures/readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain(source.trim());
  });

  it("the example runs: a worker squares the tasks and sends samples back", async () => {
    let started: ScenarioWorker | undefined;
    try {
      const result = await main((handles) => {
        started = startWorker(
          new URL("./scenarios/readme.scenario.ts", import.meta.url),
          "runWorker",
          {
            args: [handles],
          },
        );
      });
      expect(result).toEqual({
        squares: [
          ["task 1", 1],
          ["task 2", 4],
          ["task 3", 9],
        ],
        samples: [0.5, 1.5, 2.5],
      });
      await started?.result;
    } finally {
      await started?.terminate();
    }
  });
});
