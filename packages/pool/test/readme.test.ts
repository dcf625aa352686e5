import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { main } from "./fixtures/readme-example.js";

test("the README example runs and prints what the README says", async () => {
  const result = await main();
  expect(result).toEqual({
    squares: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81],
    streamed: 101,
    one: Array.from({ length: 1000 }, (_, i) => i % 7).reduce((a, b) => a + b, 0),
    timedOut: "TimeoutError",
  });
}, 60_000);

test("the README shows the example file verbatim", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const example = readFileSync(new URL("./fixtures/readme-example.ts", import.meta.url), "utf8");
  expect(readme).toContain(example.trim());
});
