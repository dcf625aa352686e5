/**
 * Runs one command of a case: argv without a shell, in its own process group
 * so a timeout ends the whole tree (npx → node → workers), with its output
 * captured. A hang is a result (timedOut), never a stuck test.
 */
import { spawn } from "node:child_process";

export interface CommandResult {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Environment variables this command sets on top of the consumer environment. */
  readonly envShown: Readonly<Record<string, string>>;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, …). */
  readonly spawnError?: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly envShown?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Output beyond this is cut at the front: the end of a log says what failed. */
const KEEP_CHARS = 512 * 1024;

function keepEnd(text: string): string {
  return text.length > KEEP_CHARS ? `…${text.slice(-KEEP_CHARS)}` : text;
}

export function runCommand(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        argv,
        cwd: options.cwd,
        envShown: options.envShown ?? {},
        code,
        signal,
        stdout: keepEnd(stdout),
        stderr: keepEnd(stderr),
        ms: performance.now() - started,
        timedOut,
        ...(spawnError === undefined ? {} : { spawnError }),
      });
    };
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: the timeout kills every process it started.
      detached: true,
    });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout = keepEnd(stdout + chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr = keepEnd(stderr + chunk);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL"); // the group this command leads
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, options.timeoutMs);
    child.on("error", (error) => finish(null, null, error.message));
    // "close", not "exit": the output is complete only once both pipes closed.
    child.on("close", (code, signal) => finish(code, signal));
  });
}
