import { readFileSync } from "node:fs";

/**
 * The README of the package a test file belongs to (`../README.md` from the
 * test directory) and the trimmed source of an example fixture, for the check
 * every package makes: the README shows the example exactly as it is tested.
 *
 * @example
 * ```ts
 * const { readme, example } = readmeAndExample(import.meta.url, "./fixtures/example.ts");
 * expect(readme).toContain(example);
 * ```
 */
export function readmeAndExample(
  testFileUrl: string | URL,
  fixture: string,
): { readme: string; example: string } {
  return {
    readme: readFileSync(new URL("../README.md", testFileUrl), "utf8"),
    example: readFileSync(new URL(fixture, testFileUrl), "utf8").trim(),
  };
}
