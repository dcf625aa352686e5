// Runs a fixture as a whole program (`node --import tsx --conditions=source file`), bounded.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProgram(file: URL, timeoutMs = 20_000): Promise<ProgramResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=source", fileURLToPath(file)],
      { timeout: timeoutMs, cwd: fileURLToPath(new URL("..", import.meta.url)) },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
      },
    );
  });
}
