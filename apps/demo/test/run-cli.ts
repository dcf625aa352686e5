/** Runs the built CLI (`dist/main.js`, what `pnpm demo` runs) and returns its output and JSON results. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { PipelineResult } from "../src/pipeline.js";

const run = promisify(execFile);
export const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface CliRun {
  stdout: string;
  stderr: string;
  json: { sizeMb: number; seed: number; workers: number; bytes: number; results: PipelineResult[] };
}

export async function runCli(env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  const { stdout, stderr } = await run(process.execPath, [CLI, "--json"], {
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  return { stdout, stderr, json: JSON.parse(last) as CliRun["json"] };
}
