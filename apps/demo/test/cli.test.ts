import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("pnpm demo (the built CLI)", () => {
  it("counts a small corpus three ways and prints a table whose three rows agree", async () => {
    const { stdout, json } = await runCli({
      SABKIT_DEMO_SIZE: "2",
      SABKIT_DEMO_SEED: "7",
      SABKIT_DEMO_CHUNK_KB: "128",
    });
    expect(stdout).toContain("word count over a 2 MiB generated corpus (seed 7,");
    const rows = stdout.split("\n").filter((line) => /^\| (sabkit|postMessage|single)/.test(line));
    expect(rows.map((r) => r.split("|")[1]!.trim())).toEqual([
      "sabkit (shared memory)",
      "postMessage (copied chunks)",
      "single thread",
    ]);
    const digest = json.results[2]!.summary.digest;
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    for (const row of rows) expect(row).toContain(`| ok ${digest} |`);
    // Non-TTY output: plain progress lines, one per pipeline at least, ending at 100%.
    for (const name of ["sabkit (shared memory)", "postMessage (copied chunks)", "single thread"]) {
      expect(stdout).toContain(`${name}: 100% at`);
    }
    const [sabkit, posted, single] = json.results.map((r) => r.summary);
    expect(sabkit).toEqual(single);
    expect(posted).toEqual(single);
    expect(single!.top).toHaveLength(10);
    expect(json.bytes).toBe(2 * 2 ** 20);
  });

  it("rejects a bad size with a message that says what to set", async () => {
    await expect(runCli({ SABKIT_DEMO_SIZE: "-3" })).rejects.toThrow(
      /SABKIT_DEMO_SIZE must be a size in MiB/,
    );
  });
});
