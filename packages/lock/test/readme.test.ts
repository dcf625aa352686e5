import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = new URL("./fixtures/readme-example.ts", import.meta.url);

describe("README", () => {
  it("shows the example exactly as tested", () => {
    expect(readme).toContain(readFileSync(example, "utf8").trim());
  });

  // Node 20 does not run TypeScript loaders inside workers, so the example is
  // compiled to JavaScript (as a user would) and runs against the built
  // packages (dist/, made by `pnpm build`), in real worker_threads.
  it("the example runs in real workers and prints the exact total", async () => {
    for (const pkg of ["lock", "core", "atomics-sync-polyfill"]) {
      const dist = new URL(`../../${pkg}/dist/index.js`, import.meta.url);
      if (!existsSync(dist))
        throw new Error(`${fileURLToPath(dist)} is missing: run pnpm build first`);
    }
    const compiled = new URL("./fixtures/.readme-example.mjs", import.meta.url);
    const { outputText } = ts.transpileModule(readFileSync(example, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(compiled, outputText);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(compiled)], {
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe("20000");
    } finally {
      rmSync(compiled, { force: true });
    }
  }, 70_000);
});
