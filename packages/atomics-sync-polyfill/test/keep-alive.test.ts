import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./fixtures/keep-alive.ts", import.meta.url));
const packageDir = fileURLToPath(new URL("..", import.meta.url));

function runScript(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=source", script, mode],
      {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    // The child is bounded too: never leave it running.
    setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
  });
}

describe("a pending waitAsync keeps a Node program alive", () => {
  it.each(["native", "helper-worker", "polling"])(
    "%s: a program whose only work is `await waitAsync()` prints the result and exits 0",
    async (mode) => {
      const { code, stdout, stderr } = await withTimeLimit(runScript(mode), 20_000, "child");
      expect({ code, stdout: stdout.trim(), stderr }).toEqual({
        code: 0,
        stdout: "result: ok",
        stderr: "",
      });
    },
  );

  it("control: the raw native Atomics.waitAsync does not (exit 13 before the notify)", async () => {
    const { code, stdout } = await withTimeLimit(runScript("raw"), 20_000, "child");
    expect(stdout).not.toContain("result:");
    expect(code).toBe(13);
  });
});
