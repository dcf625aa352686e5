/**
 * Run scenario code in real `worker_threads` workers.
 *
 * A scenario is an exported function of a TypeScript (or JavaScript) module:
 *
 * ```ts
 * // counter.scenario.ts
 * export async function increment(ctx: ScenarioContext, handle: LockHandle, times: number) {
 *   const lock = Lock.from(handle);
 *   for (let i = 0; i < times; i++) { using _ = lock.acquire(); counter[0]++; }
 *   return ctx.index;
 * }
 * // counter.test.ts
 * const results = await runInWorkers(new URL("./counter.scenario.ts", import.meta.url), "increment", {
 *   workers: 4, args: [lock.handle, 10_000], timeoutMs: 10_000,
 * });
 * ```
 *
 * Every run has a hard time bound: when it passes, every worker is terminated
 * and the promise rejects with a {@link ScenarioTimeoutError} naming the
 * workers that had not finished. A hang is a failure with a message, never a
 * stuck test run.
 */
import { Worker } from "node:worker_threads";
import { spawnHook } from "./runtime-link.js";

const BOOT_URL = new URL("./worker-boot.mjs", import.meta.url);

/** What a scenario function receives as its first argument. */
export interface ScenarioContext {
  /** 0-based index of this worker among those started by the same run. */
  readonly index: number;
  /** How many workers the run started. */
  readonly workers: number;
  /** The worker's `parentPort`, for scenarios that talk to the test. */
  readonly port: import("node:worker_threads").MessagePort;
}

export interface StartOptions {
  /** Arguments after the context: structured-cloneable (SharedArrayBuffers are shared). */
  args?: readonly unknown[];
  /** Index reported in the context (default 0). */
  index?: number;
  /** Worker count reported in the context (default 1). */
  workers?: number;
  /** Node `resourceLimits` for the worker. */
  resourceLimits?: import("node:worker_threads").ResourceLimits;
  /** Write the worker's stdout/stderr to the test's (default true). */
  stdio?: boolean;
  /** The thread's name in the runtime (what a DeadlockError calls it; default none). */
  name?: string;
}

export interface RunOptions extends Omit<StartOptions, "args" | "index" | "workers" | "name"> {
  /** The same name for every worker, or a function of the worker index. */
  name?: string | ((index: number) => string);
  /** How many workers to start (default 1). */
  workers?: number;
  /** The same arguments for every worker, or a function of the worker index. */
  args?: readonly unknown[] | ((index: number) => readonly unknown[]);
  /** Hard bound on the whole run in ms (default 20 000). */
  timeoutMs?: number;
}

/** A scenario failed inside a worker; `stack` is the worker's own. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    readonly workerIndex: number,
    readonly remoteName: string,
    remoteMessage: string,
    readonly remoteStack: string | undefined,
    readonly remoteCode: string | undefined,
  ) {
    super(`worker ${workerIndex} threw ${remoteName}: ${remoteMessage}\n${remoteStack ?? ""}`);
  }
}

/** A run outlived its time bound; its workers were terminated. */
export class ScenarioTimeoutError extends Error {
  override readonly name = "ScenarioTimeoutError";
}

/** A worker exited (process.exit, terminate, crash) before returning a result. */
export class WorkerExitedError extends Error {
  override readonly name = "WorkerExitedError";
  constructor(
    readonly workerIndex: number,
    readonly exitCode: number,
  ) {
    super(`worker ${workerIndex} exited with code ${exitCode} before its scenario returned`);
  }
}

/** One running scenario worker. */
export class ScenarioWorker<T = unknown> {
  readonly worker: Worker;
  /** Settles with the scenario's return value, or rejects with why it did not return. */
  readonly result: Promise<T>;
  /** Resolves with the exit code once the worker has exited and its runtime exit was recorded. */
  readonly exited: Promise<number>;
  readonly index: number;

  constructor(moduleUrl: URL | string, exportName: string, options: StartOptions = {}) {
    this.index = options.index ?? 0;
    const child = spawnHook()?.spawnChild(options.name);
    try {
      this.worker = this.#spawn(moduleUrl, exportName, options, child?.data);
    } catch (error) {
      // The identity was marked alive for a thread that never started.
      child?.onExit(-1);
      throw error;
    }

    let settled = false;
    this.result = new Promise<T>((resolve, reject) => {
      this.worker.on("message", (message: { type: string; value?: T; error?: RemoteError }) => {
        if (message.type === "result") {
          settled = true;
          resolve(message.value as T);
        } else if (message.type === "error" && message.error) {
          settled = true;
          const e = message.error;
          reject(new ScenarioError(this.index, e.name, e.message, e.stack, e.code));
        }
      });
      this.worker.on("error", (error) => {
        settled = true;
        reject(error);
      });
      this.worker.on("exit", (code) => {
        if (!settled) reject(new WorkerExitedError(this.index, code));
      });
    });
    // A result that nobody awaits must not become an unhandled rejection.
    this.result.catch(() => {});
    this.exited = new Promise<number>((resolve) => {
      this.worker.on("exit", (code) => {
        child?.onExit(code);
        resolve(code);
      });
    });
  }

  #spawn(
    moduleUrl: URL | string,
    exportName: string,
    options: StartOptions,
    runtime: unknown,
  ): Worker {
    return new Worker(BOOT_URL, {
      workerData: {
        moduleUrl: String(moduleUrl),
        exportName,
        index: this.index,
        workers: options.workers ?? 1,
        args: options.args ?? [],
        runtime,
      },
      execArgv: ["--conditions=source"],
      resourceLimits: options.resourceLimits,
      stdout: options.stdio === false,
      stderr: options.stdio === false,
    });
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  /** Terminates the worker and waits until its exit has been recorded. */
  async terminate(): Promise<number> {
    await this.worker.terminate();
    return this.exited;
  }
}

interface RemoteError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** Starts one scenario worker; the caller owns it (and should `terminate()` it). */
export function startWorker<T = unknown>(
  moduleUrl: URL | string,
  exportName: string,
  options: StartOptions = {},
): ScenarioWorker<T> {
  return new ScenarioWorker<T>(moduleUrl, exportName, options);
}

/**
 * Runs `exportName` of `moduleUrl` in `workers` real workers at once and
 * resolves with their return values in worker order. Rejects with the first
 * failure (after terminating every worker), or with a ScenarioTimeoutError.
 */
export async function runInWorkers<T = unknown>(
  moduleUrl: URL | string,
  exportName: string,
  options: RunOptions = {},
): Promise<T[]> {
  const count = options.workers ?? 1;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started: ScenarioWorker<T>[] = [];
  for (let index = 0; index < count; index++) {
    const args = typeof options.args === "function" ? options.args(index) : options.args;
    const name = typeof options.name === "function" ? options.name(index) : options.name;
    started.push(
      startWorker<T>(moduleUrl, exportName, {
        ...options,
        name,
        args: args ?? [],
        index,
        workers: count,
      }),
    );
  }
  const finished = new Set<number>();
  for (const w of started)
    w.result.then(
      () => finished.add(w.index),
      () => {},
    );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const pending = started.filter((w) => !finished.has(w.index)).map((w) => w.index);
      reject(
        new ScenarioTimeoutError(
          `${exportName} in ${String(moduleUrl)}: workers [${pending.join(", ")}] of ${count} ` +
            `had not finished after ${timeoutMs} ms (a hang or a lost wake-up?)`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(started.map((w) => w.result)), deadline]);
  } finally {
    clearTimeout(timer);
    await Promise.all(started.map((w) => w.terminate()));
  }
}
