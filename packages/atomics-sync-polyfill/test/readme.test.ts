import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withTimeLimit } from "@sabkit/test-utils";
import { expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

it("the README example runs and prints what its comments say", async () => {
  const readme = readFileSync(join(packageDir, "README.md"), "utf8");
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  const source = example!.replace(
    '"@sabkit/atomics-sync-polyfill"',
    JSON.stringify(pathToFileURL(join(packageDir, "src/index.ts")).href),
  );
  const expected = [...example!.matchAll(/console\.log\(.*\); \/\/ "([a-z-]+)"/g)].map((m) => m[1]);
  expect(expected).toEqual(["ok", "not-equal", "timed-out"]);
  const dir = mkdtempSync(join(packageDir, "test", ".readme-"));
  const file = join(dir, "example.mts");
  writeFileSync(file, source);
  try {
    const output = await withTimeLimit(
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", file], {
          cwd: packageDir,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
        setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
      }),
      20_000,
      "README example",
    );
    expect(output).toEqual({ code: 0, stdout: `${expected.join("\n")}\n`, stderr: "" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
