import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("pnpm demo", () => {
  it("runs every pipeline to the exact expected sum", async () => {
    const { stdout } = await run(process.execPath, [main], {
      env: { ...process.env, SABKIT_DEMO_ITEMS: "100000" },
      timeout: 60_000,
    });
    expect(stdout).toContain("source -> mix -> sum over 100,000 numbers");
    expect(stdout.match(/\| yes +\|$/gm)?.length).toBe(3);
    expect(stdout).not.toContain("NO (");
  });
});
