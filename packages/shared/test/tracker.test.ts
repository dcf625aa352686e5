import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("SharedMemory resource tracker", () => {
  it("a program that exits with a block it never unlinked is told its name on stderr", () => {
    const program = fileURLToPath(new URL("./fixtures/leak.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", program], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      "sabkit resource tracker: 1 shared memory block(s) created and never unlinked: kept-block",
    );
    expect(run.stderr).not.toContain("unlinked-block");
  });
});
