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

  it("the example runs: the worker adds, counts the streamed bytes, and sees the close", async () => {
    let started: ScenarioWorker | undefined;
    try {
      const result = await main((ends) => {
        started = startWorker(
          new URL("./scenarios/readme.scenario.ts", import.meta.url),
          "runWorker",
          {
            args: [ends],
          },
        );
      });
      expect(result).toEqual({ sum: 5, uploaded: "hello pipe world".length });
      await started?.result;
    } finally {
      await started?.terminate();
    }
  }, 60_000);
});
