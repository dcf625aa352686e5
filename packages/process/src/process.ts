/**
 * `Process`: Python's `multiprocessing.Process`, mapped onto workers.
 *
 * A process runs one exported function (`export`, default `"default"`) of a
 * module (`target`) in a new worker, with `args` (anything structured clone
 * takes, plus live sabkit primitives anywhere in the tree). Its exit code is
 * published through a shared exit record (`exit-record.ts`), so `join()` can
 * block on it; `joinAsync()` waits for the thread to be gone.
 *
 * Lifecycle (local to the parent; the exit code is the shared part):
 *
 *   created --start()--> running --(return | throw | process.exit | terminate | kill | crash)--> exited --(exit event)--> gone
 *
 * - `exitCode` is `null` until the exit is recorded, then fixed: 0 on return,
 *   1 on an uncaught error, `n` for `process.exit(n)`, -15 after
 *   `terminate()`, -9 after `kill()` (Python's -SIGTERM / -SIGKILL).
 * - `join()` returns once the exit is recorded; `joinAsync()` once the thread
 *   is gone and its death is recorded in core's liveness table (what
 *   owner-death detection reads).
 */

import { canBlock, waitSync } from "@sabkit/atomics-sync-polyfill";
import { currentRuntime, hasNodeApis, nodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";
import { SabkitError, share, type WaitOptions } from "@sabkit/core";
import {
  Deadline,
  describe,
  reviveError,
  type SpawnedChild,
  spawnChild,
  validateTimeout,
} from "@sabkit/core/internal";
import { containsHandleRecord, findUncloneable, uncloneableError } from "./clone-path.js";
import { currentProcess } from "./current.js";
import {
  createExitRecord,
  EXIT,
  KILLED,
  RUNNING,
  readExit,
  recordExit,
  TERMINATED,
  toExitCode,
} from "./exit-record.js";
import { refuseWhileImporting } from "./loader.js";
import {
  type ChildReport,
  type ChildThread,
  type InitMessage,
  type ResourceLimits,
  SOURCE_MODE,
  spawnThread,
  type TransferableObject,
  type WebWorker,
} from "./platform.js";

export type { ResourceLimits, TransferableObject, WebWorker } from "./platform.js";

/** Options of `new Process(...)`. */
export interface ProcessOptions<Args extends readonly unknown[] = readonly unknown[]> {
  /**
   * The module to run: a URL (`import.meta.url`, `new URL("./task.js", import.meta.url)`) or a
   * path (relative to the working directory on Node, to the page in browsers); or, where a
   * bundler builds the workers, a function that starts a Web Worker from an entry that calls
   * `serveProcess(() => import("./task.js"))` from `@sabkit/process/worker`:
   * `() => new Worker(new URL("./task.worker.js", import.meta.url), { type: "module" })`
   * (browsers, Deno, Bun). `.ts`, `.mts`
   * and `.cts` targets load natively on Deno and Bun, and through tsx on Node (an optional
   * peer dependency: the tsx that runs the program, or one installed beside it).
   */
  target: string | URL | (() => WebWorker);
  /** The exported function to call (default `"default"`, the default export). */
  export?: string;
  /** Positional arguments: structured-cloneable data and sabkit primitives, at any depth. */
  args?: Args;
  /** Passed as one extra last argument when given (Python's keyword arguments). */
  kwargs?: Record<string, unknown>;
  /** Default `"Process-<n>"` (`"<parent name>:<n>"` inside a process). */
  name?: string;
  /** Daemonic processes do not keep the program alive and end with it. Default: the current process's flag. */
  daemon?: boolean;
  /** Node only: the worker's `process.env` (default: a copy of the parent's). */
  env?: Record<string, string | undefined>;
  /** Node only: the worker's heap and stack limits. */
  resourceLimits?: ResourceLimits;
  /** Node only: write the worker's stdout/stderr lines prefixed with `[name] ` (default false). */
  prefixOutput?: boolean;
  /** Node only: the worker's `execArgv` (default: the parent's). */
  execArgv?: string[];
  /**
   * Objects in `args`/`kwargs` to transfer rather than clone (e.g. a `MessagePort` the child
   * keeps talking through), as `postMessage`'s transfer list.
   */
  transfer?: TransferableObject[];
}

/** The global key of the set of this thread's running processes (read by the bootstrap at exit). */
export const CHILDREN_KEY = Symbol.for("sabkit.process.children");

function runningChildren(): Set<Process> {
  const scope = globalThis as unknown as Record<symbol, Set<Process> | undefined>;
  let children = scope[CHILDREN_KEY];
  if (children === undefined) {
    children = new Set();
    Object.defineProperty(globalThis, CHILDREN_KEY, { value: children, configurable: true });
  }
  return children;
}

let created = 0;

function defaultName(): string {
  created++;
  const current = currentProcess();
  return current.parent === null && current.pid === 1
    ? `Process-${created}`
    : `${current.name}:${created}`;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/** What `target` says of a process started from a worker entry (the entry knows its module). */
const WORKER_ENTRY_TARGET = "(worker entry)";

function resolveTarget(target: unknown): string {
  if (typeof target === "function") return WORKER_ENTRY_TARGET;
  if (target instanceof URL) return target.href;
  if (typeof target !== "string" || target === "") {
    throw new TypeError(
      'Process: target must be a module URL or path (e.g. import.meta.url or "./task.js"), or a function ' +
        `that starts a worker from an entry calling serveProcess(), got ${describe(target)}`,
    );
  }
  if (URL_SCHEME.test(target)) return new URL(target).href;
  if (hasNodeApis()) {
    const { resolve } = nodeBuiltin<typeof import("node:path")>("node:path");
    const { pathToFileURL } = nodeBuiltin<typeof import("node:url")>("node:url");
    return pathToFileURL(resolve(target)).href;
  }
  return new URL(target, (globalThis as { location?: { href: string } }).location?.href).href;
}

function checkOptions(options: unknown): ProcessOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `new Process(options): options must be an object such as { target: import.meta.url, args: [] }, got ${describe(options)}`,
    );
  }
  const o = options as ProcessOptions;
  if (o.export !== undefined && (typeof o.export !== "string" || o.export === "")) {
    throw new TypeError(
      `Process: export must be the name of an exported function, got ${describe(o.export)}`,
    );
  }
  if (o.args !== undefined && !Array.isArray(o.args)) {
    throw new TypeError(`Process: args must be an array of arguments, got ${describe(o.args)}`);
  }
  if (
    o.kwargs !== undefined &&
    (o.kwargs === null || typeof o.kwargs !== "object" || Array.isArray(o.kwargs))
  ) {
    throw new TypeError(`Process: kwargs must be a plain object, got ${describe(o.kwargs)}`);
  }
  if (o.name !== undefined && typeof o.name !== "string") {
    throw new TypeError(`Process: name must be a string, got ${describe(o.name)}`);
  }
  if (o.daemon !== undefined && typeof o.daemon !== "boolean") {
    throw new TypeError(`Process: daemon must be true or false, got ${describe(o.daemon)}`);
  }
  if (o.env !== undefined && (o.env === null || typeof o.env !== "object")) {
    throw new TypeError(`Process: env must be an object of strings, got ${describe(o.env)}`);
  }
  if (
    o.resourceLimits !== undefined &&
    (o.resourceLimits === null || typeof o.resourceLimits !== "object")
  ) {
    throw new TypeError(
      `Process: resourceLimits must be an object, got ${describe(o.resourceLimits)}`,
    );
  }
  // Options a runtime's workers would silently ignore are refused there.
  const runtime = currentRuntime();
  if (runtime === "bun" && o.resourceLimits !== undefined) {
    throw new TypeError(
      "Process: resourceLimits does nothing on Bun (its workers ignore heap limits): leave it out, or run on Node or Deno",
    );
  }
  if (runtime === "deno" && o.prefixOutput === true) {
    throw new TypeError(
      "Process: prefixOutput does nothing on Deno (its workers write straight to the terminal): leave it out, or run on Node or Bun",
    );
  }
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) {
    throw new TypeError(
      `Process: transfer must be an array of transferable objects (e.g. [port]), got ${describe(o.transfer)}`,
    );
  }
  return o;
}

/**
 * A function of a module, run in its own worker.
 *
 * @example
 * ```ts
 * // work.ts — both the program and the worker
 * import { isMainProcess, Process } from "@sabkit/process";
 * export default async function work(label: string) { await sleep(1000); console.log(label); }
 * if (isMainProcess()) {
 *   const ps = ["a", "b", "c"].map((label) => new Process({ target: import.meta.url, args: [label] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) p.join(); // all three finish after about 1 s
 * }
 * ```
 */
export class Process<Args extends readonly unknown[] = readonly unknown[]> {
  /** The target module's URL; `"(worker entry)"` when the target is a worker-entry function. */
  readonly target: string;
  /** The exported function's name. */
  readonly export: string;
  readonly #args: Args;
  readonly #kwargs: Record<string, unknown> | undefined;
  readonly #options: ProcessOptions<Args>;
  readonly #entry: (() => WebWorker) | undefined;
  #name: string;
  #daemon: boolean;
  #exit: Int32Array | undefined;
  #thread: ChildThread | undefined;
  #child: SpawnedChild | undefined;
  #error: Error | null = null;
  #gone = false;
  #onGone: (() => void)[] = [];
  #keepAlive = 0;

  constructor(options: ProcessOptions<Args>) {
    const o = checkOptions(options) as ProcessOptions<Args>;
    this.target = resolveTarget(o.target);
    this.#entry = typeof o.target === "function" ? (o.target as () => WebWorker) : undefined;
    this.export = o.export ?? "default";
    this.#args = (o.args ?? []) as Args;
    this.#kwargs = o.kwargs;
    this.#options = o;
    this.#name = o.name ?? defaultName();
    this.#daemon = o.daemon ?? currentProcess().daemon;
  }

  /** The name (for messages and `currentProcess().name` in the worker). Settable. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== "string")
      throw new TypeError(`Process.name must be a string, got ${describe(value)}`);
    this.#name = value;
  }

  /** Whether the process is daemonic. Settable before `start()`. */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (typeof value !== "boolean")
      throw new TypeError(`Process.daemon must be a boolean, got ${describe(value)}`);
    if (this.#exit !== undefined) {
      throw new SabkitError("Process.daemon: cannot change the daemon flag of a started process");
    }
    this.#daemon = value;
  }

  /** The child's sabkit thread identity (`currentProcess().pid` in it); `null` before `start()`. */
  get pid(): number | null {
    return this.#child?.identity ?? null;
  }

  /** Node's `worker.threadId`; `null` before `start()` and in browsers. */
  get threadId(): number | null {
    return this.#thread?.threadId ?? null;
  }

  /**
   * `null` while running (or before `start()`); then 0 on return, 1 on an uncaught error,
   * `n` for `process.exit(n)`, -15 after `terminate()`, -9 after `kill()`.
   */
  get exitCode(): number | null {
    return this.#exit === undefined ? null : readExit(this.#exit);
  }

  /**
   * The error the target threw (same class, message and the worker's stack), or that ended the
   * worker; `null` otherwise. Set by the time `join()` returns (Node) or `joinAsync()` resolves.
   */
  get error(): Error | null {
    if (this.#error === null && this.#thread !== undefined && this.exitCode !== null) this.#drain();
    return this.#error;
  }

  /** `true` from `start()` until the exit is recorded. */
  isAlive(): boolean {
    return this.#exit !== undefined && readExit(this.#exit) === null;
  }

  /**
   * Starts the worker. Arguments are checked first: a value that cannot be sent (a function,
   * a socket) is a TypeError naming its path (`args[1].onDone`), and nothing is started.
   *
   * @returns this, for `new Process({...}).start()`.
   * @throws SabkitError when called twice, or while this worker imports its own module (guard
   * the code that starts processes with `isMainProcess()`); TypeError for arguments that cannot be sent.
   */
  start(): this {
    refuseWhileImporting("Process.start()");
    if (this.#exit !== undefined) {
      throw new SabkitError(
        `Process.start: ${this.#name} was already started; a process starts once — create a new Process`,
      );
    }
    const args = share(this.#args, "args");
    const kwargs = this.#kwargs === undefined ? undefined : share(this.#kwargs, "kwargs");
    const exit = createExitRecord();
    const current = currentProcess();
    const child = spawnChild(this.#name);
    const init: InitMessage = {
      tag: "sabkit.process.init",
      target: this.target,
      export: this.export,
      args,
      kwargs,
      hasHandles: containsHandleRecord(args) || containsHandleRecord(kwargs),
      name: this.#name,
      daemon: this.#daemon,
      pid: child.identity,
      parent: { name: current.name, pid: current.pid },
      runtime: child.data,
      exit: exit.buffer as SharedArrayBuffer,
      sourceMode: SOURCE_MODE && hasNodeApis(),
    };
    try {
      this.#thread = spawnThread(
        init,
        {
          name: this.#name,
          daemon: this.#daemon,
          env: this.#options.env,
          resourceLimits: this.#options.resourceLimits,
          prefixOutput: this.#options.prefixOutput === true,
          execArgv: this.#options.execArgv,
          transfer: this.#options.transfer ?? [],
          sourceMode: SOURCE_MODE,
          entry: this.#entry,
        },
        {
          report: (message) => this.#onReport(message),
          error: (error) => this.#onError(error),
          exit: (code) => this.#onExit(code),
        },
      );
    } catch (error) {
      // The identity was marked alive for a thread that never started.
      child.onExit(-1);
      this.#throwSpawnFailure(error);
    }
    this.#exit = exit;
    this.#child = child;
    runningChildren().add(this as Process);
    return this;
  }

  /**
   * A DataCloneError, or Node's error for a MessagePort not transferred, names
   * the argument that cannot be sent. Anything else (execArgv Node refuses, …)
   * is not about the arguments: it goes out as it is.
   */
  #throwSpawnFailure(error: unknown): never {
    if (!isCloneFailure(error)) throw error;
    if (findUncloneable(this.#args, "args") !== undefined) {
      throw uncloneableError(this.#args, "args", error);
    }
    if (this.#kwargs !== undefined && findUncloneable(this.#kwargs, "kwargs") !== undefined) {
      throw uncloneableError(this.#kwargs, "kwargs", error);
    }
    throw error;
  }

  /**
   * Blocks until the process has exited, or `timeout` ms have passed; returns the exit code,
   * or `null` on timeout (as Python's `join` leaves `exitcode` at `None`). Sees every exit
   * the child records (return, throw, `process.exit`, uncaught errors) and `terminate()`/`kill()`;
   * a crash nothing in the child survives to record (out of memory) is seen only by
   * `joinAsync()` — give `join` a timeout where that matters.
   *
   * @throws RangeError for a bad timeout; SabkitError before `start()` or where the thread
   * cannot block (a browser's main thread: use `joinAsync`).
   */
  join(timeout?: number): number | null {
    const deadline = Deadline.after(validateTimeout(timeout, "Process.join timeout"));
    const exit = this.#requireStarted("join");
    let code = readExit(exit);
    if (code === null && !deadline.expired) code = this.#joinSlow(exit, deadline);
    if (code !== null && this.#error === null) this.#drain();
    return code;
  }

  #joinSlow(exit: Int32Array, deadline: Deadline): number | null {
    if (!canBlock()) {
      throw new SabkitError(
        "Process.join: this thread cannot block (a browser's main thread), and the worker may need it " +
          "to start; use await process.joinAsync()",
      );
    }
    // Bounded: every pass sleeps until the exit is recorded or the deadline passes.
    for (;;) {
      // Sleeps while EXIT is RUNNING; woken by the notify after the CAS in recordExit.
      waitSync(exit, EXIT, RUNNING, deadline.remainingMs());
      const code = readExit(exit);
      if (code !== null || deadline.expired) return code;
    }
  }

  /**
   * Waits without blocking until the thread is gone (its exit recorded, its death recorded in
   * the liveness table); resolves with the exit code, or `null` when `timeout` passed first.
   * The target's error does not reject it: read `error` (as Python's join does not raise).
   *
   * @throws RangeError / TypeError for bad options; rejects with AbortError when `signal` aborts.
   */
  async joinAsync(options?: WaitOptions): Promise<number | null> {
    const deadline = Deadline.from(options, "Process.joinAsync options");
    this.#requireStarted("joinAsync");
    if (this.#gone) return this.exitCode;
    deadline.throwIfAborted();
    if (deadline.expired) return this.exitCode;
    return new Promise<number | null>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const signal = deadline.signal;
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (--this.#keepAlive === 0 && this.#daemon && !this.#gone) this.#thread?.unref();
      };
      const onGone = (): void => {
        finish();
        resolve(this.exitCode);
      };
      const onAbort = (): void => {
        this.#onGone = this.#onGone.filter((f) => f !== onGone);
        finish();
        try {
          deadline.throwIfAborted();
        } catch (error) {
          reject(error);
        }
      };
      // A daemonic worker is unref'd: hold the program open while someone awaits it.
      if (this.#keepAlive++ === 0 && this.#daemon) this.#thread?.ref();
      this.#onGone.push(onGone);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (!deadline.forever) {
        timer = setTimeout(() => {
          this.#onGone = this.#onGone.filter((f) => f !== onGone);
          finish();
          resolve(this.exitCode);
        }, deadline.remainingMs());
      }
    });
  }

  /**
   * Ends the process (Python's SIGTERM): the worker is stopped at once, even in a busy loop, and
   * `exitCode` becomes -15 unless it had already exited. Workers cannot catch it: no cleanup
   * code runs in the child. Does nothing once the process has exited.
   */
  terminate(): void {
    this.#stop(TERMINATED, "terminate");
  }

  /**
   * Ends the process (Python's SIGKILL): the same immediate stop as `terminate()` (a worker
   * has no gentler way to be stopped from outside), recorded as exit code -9.
   */
  kill(): void {
    this.#stop(KILLED, "kill");
  }

  #stop(code: number, what: string): void {
    const exit = this.#requireStarted(what);
    if (this.#gone) return;
    recordExit(exit, code);
    this.#thread!.terminate();
  }

  #requireStarted(what: string): Int32Array {
    if (this.#exit === undefined) {
      throw new SabkitError(
        `Process.${what}: ${this.#name} has not been started; call start() first`,
      );
    }
    return this.#exit;
  }

  #drain(): void {
    for (const report of this.#thread?.drainReports() ?? []) this.#onReport(report);
  }

  #onReport(message: ChildReport): void {
    if (message?.type === "error" && this.#error === null) this.#error = reviveError(message.error);
  }

  #onError(error: unknown): void {
    if (this.#error === null)
      this.#error = error instanceof Error ? error : new Error(String(error));
  }

  #onExit(code: number): void {
    if (this.#gone) return;
    this.#gone = true;
    // Nobody recorded an exit (out of memory, a load failure): the thread's own code stands.
    if (this.#exit !== undefined) recordExit(this.#exit, toExitCode(code));
    this.#child?.onExit(code);
    runningChildren().delete(this as Process);
    const waiting = this.#onGone;
    this.#onGone = [];
    for (const wake of waiting) wake();
  }

  /** `Process(name, pid, exitCode)` for logs. */
  toString(): string {
    const state =
      this.#exit === undefined
        ? "initial"
        : this.exitCode === null
          ? "started"
          : `exitcode=${this.exitCode}`;
    return `Process(${this.#name}, ${state}${this.#daemon ? " daemon" : ""})`;
  }
}

/** Errors of structured clone or of the transfer list (Node's codes name them). */
function isCloneFailure(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === "DataCloneError" || (typeof code === "string" && code.includes("TRANSFER"));
}
