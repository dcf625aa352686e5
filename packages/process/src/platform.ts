/**
 * The platform layer: the only module that knows whether a process is a Node
 * `worker_threads` Worker or a browser module Worker. `Process` talks to a
 * {@link ChildThread} and receives {@link ChildEvents}; everything else is
 * shared.
 *
 * | concern              | Node                                               | browser                                          |
 * |----------------------|----------------------------------------------------|--------------------------------------------------|
 * | entry                | `bootstrap.js` next to this module (file URL)      | `new Worker(new URL("./bootstrap.js", import.meta.url), { type: "module" })`, or the user's worker entry (a function target) |
 * | start message        | `workerData` (cloned synchronously by `new Worker`)| the first `postMessage`                          |
 * | reports (errors)     | a dedicated MessagePort, drained synchronously by a blocking `join()` (`receiveMessageOnPort`) | the worker's own messages |
 * | "exited"             | the worker's `exit` event                          | the bootstrap's `exit` report, `terminate()`, or an `error` event |
 * | daemon               | `worker.unref()`                                   | nothing (a page does not "end")                  |
 * | env, resourceLimits, prefixed output | Worker options, piped stdio        | ignored                                          |
 */

import { hasNodeApis, nodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";

/**
 * An object `postMessage` transfers rather than clones (a MessagePort, an
 * ArrayBuffer, …): the DOM's `Transferable`, spelled so that the declarations
 * compile in projects without the DOM lib.
 */
export type TransferableObject = object;

/**
 * A Web Worker, as a worker-entry target starts it (the DOM's `Worker`, or
 * Deno's and Bun's), spelled so that the declarations compile without the DOM lib.
 */
export interface WebWorker {
  postMessage(message: unknown, transfer: TransferableObject[]): void;
  terminate(): void;
}

/** The start message the bootstrap reads (structured-cloneable). */
export interface InitMessage {
  readonly tag: "sabkit.process.init";
  readonly target: string;
  readonly export: string;
  readonly args: unknown;
  readonly kwargs: unknown;
  readonly hasHandles: boolean;
  readonly name: string;
  readonly daemon: boolean;
  readonly pid: number;
  readonly parent: { readonly name: string; readonly pid: number };
  readonly runtime: unknown;
  readonly exit: SharedArrayBuffer;
  /** The parent runs sabkit's own TypeScript sources (our tests): the bootstrap registers tsx before it imports child.ts. */
  readonly sourceMode: boolean;
}

/** What the bootstrap reports: an error of the target, or (browsers) its exit. */
export type ChildReport =
  | { readonly type: "error"; readonly error: import("@sabkit/core/internal").SerializedError }
  | { readonly type: "exit"; readonly code: number };

export interface ChildEvents {
  report(message: ChildReport): void;
  /** An error the bootstrap could not report (a load failure, an uncaught error on Node). */
  error(error: unknown): void;
  /** The thread is gone (called once). */
  exit(code: number): void;
}

/** Node `resourceLimits` (see `worker_threads.ResourceLimits`). */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
}

export interface SpawnOptions {
  readonly name: string;
  readonly daemon: boolean;
  readonly env: Record<string, string | undefined> | undefined;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly prefixOutput: boolean;
  readonly execArgv: string[] | undefined;
  /** Transferred with the start message (ProcessOptions.transfer). */
  readonly transfer: readonly TransferableObject[];
  /** Start the worker resolving workspace packages to their sources (this module runs from source). */
  readonly sourceMode: boolean;
  /** Starts a Web Worker from the user's worker entry (a function target), instead of bootstrap.js. */
  readonly entry: (() => WebWorker) | undefined;
}

export interface ChildThread {
  /** Node's `worker.threadId`; `null` in browsers. */
  readonly threadId: number | null;
  terminate(): void;
  ref(): void;
  unref(): void;
  /** Reports already sent but not yet delivered (Node: read synchronously; browsers: none). */
  drainReports(): ChildReport[];
}

/** `true` when this module runs from TypeScript sources (tests, `tsx`), not from the build. */
export const SOURCE_MODE = import.meta.url.endsWith(".ts");

/** Starts the bootstrap in a new worker with `init`. Throws (DataCloneError, …) if it cannot. */
export function spawnThread(
  init: InitMessage,
  options: SpawnOptions,
  events: ChildEvents,
): ChildThread {
  if (options.entry !== undefined) return spawnWeb(init, options, events, options.entry);
  return hasNodeApis()
    ? spawnNode(init, options, events)
    : // The literal pattern Vite and webpack recognise to build bootstrap.js as a
      // worker entry (its options must stay a static object).
      spawnWeb(
        init,
        options,
        events,
        () => new Worker(new URL("./bootstrap.js", import.meta.url), { type: "module" }),
      );
}

// -- Node ---------------------------------------------------------------------

type NodeThreads = typeof import("node:worker_threads");

// A variable, not a literal: bundlers must not treat the Node branch as a
// browser worker or asset (the browser branch below has the literal pattern).
const BOOTSTRAP_FILE = "./bootstrap.js";

function spawnNode(init: InitMessage, options: SpawnOptions, events: ChildEvents): ChildThread {
  const threads = nodeBuiltin<NodeThreads>("node:worker_threads", "Process");
  const { port1, port2 } = new threads.MessageChannel();
  let worker: import("node:worker_threads").Worker;
  try {
    worker = new threads.Worker(new URL(BOOTSTRAP_FILE, import.meta.url), {
      workerData: { ...init, port: port2 },
      transferList: [
        port2,
        ...(options.transfer as import("node:worker_threads").TransferListItem[]),
      ],
      env: options.env,
      resourceLimits: options.resourceLimits,
      execArgv: options.sourceMode ? sourceExecArgv(options.execArgv) : options.execArgv,
      stdout: options.prefixOutput,
      stderr: options.prefixOutput,
    });
  } catch (error) {
    port1.close();
    port2.close();
    throw error;
  }
  if (options.daemon) worker.unref();
  const drain = (): ChildReport[] => {
    const reports: ChildReport[] = [];
    // Bounded: a port holds what the child sent before it exited (two reports at most).
    for (let i = 0; i < 16; i++) {
      const received = threads.receiveMessageOnPort(port1);
      if (received === undefined) break;
      reports.push(received.message as ChildReport);
    }
    return reports;
  };
  port1.on("message", (message: ChildReport) => events.report(message));
  port1.unref(); // the worker keeps the program alive (or not, when daemonic); the port never does
  worker.on("error", (error) => events.error(error));
  worker.once("exit", (code) => {
    for (const report of drain()) events.report(report);
    port1.close();
    events.exit(code);
  });
  if (options.prefixOutput) {
    const out = (globalThis as unknown as { process: NodeJS.Process }).process;
    prefixLines(worker.stdout, out.stdout, `[${options.name}] `);
    prefixLines(worker.stderr, out.stderr, `[${options.name}] `);
  }
  return {
    threadId: worker.threadId,
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    drainReports: drain,
  };
}

/**
 * The execArgv of a worker that runs our TypeScript sources: the given (or
 * the parent's) flags plus `--conditions=source`. When the parent already has
 * that condition and none were given, undefined: Node then inherits the
 * parent's flags itself, V8 flags (`--trace-gc`, …) included, which it
 * refuses in an explicit execArgv.
 */
function sourceExecArgv(given: string[] | undefined): string[] | undefined {
  const proc = (globalThis as unknown as { process: NodeJS.Process }).process;
  if (given === undefined && proc.execArgv.includes("--conditions=source")) return undefined;
  const inherited = (given ?? proc.execArgv).filter((arg) => arg !== "--conditions=source");
  return [...inherited, "--conditions=source"];
}

function prefixLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): void {
  let pending = "";
  from.setEncoding("utf8");
  from.on("data", (chunk: string) => {
    const text = pending + chunk;
    const lines = text.split("\n");
    pending = lines.pop() ?? "";
    if (lines.length > 0) to.write(lines.map((line) => `${prefix}${line}\n`).join(""));
  });
  from.on("end", () => {
    if (pending !== "") to.write(`${prefix}${pending}\n`);
    pending = "";
  });
}

// -- Web Workers (browsers; Deno and Bun from a worker entry) ----------------------

function spawnWeb(
  init: InitMessage,
  options: SpawnOptions,
  events: ChildEvents,
  createWorker: () => WebWorker,
): ChildThread {
  const worker = startWebWorker(createWorker, options.entry !== undefined) as Worker;
  let gone = false;
  const exit = (code: number): void => {
    if (gone) return;
    gone = true;
    worker.terminate();
    events.exit(code);
  };
  worker.onmessage = (event: MessageEvent<ChildReport>) => {
    const message = event.data;
    events.report(message);
    if (message?.type === "exit") exit(message.code);
  };
  worker.onerror = (event: ErrorEvent) => {
    // Reaches here only when the bootstrap could not handle it (a load failure).
    event.preventDefault();
    events.error(
      new Error(
        event.message ||
          (options.entry !== undefined
            ? `the worker entry of ${init.name} failed to load (is its URL served, and does it call serveProcess() or servePool()?)`
            : `the worker for ${init.target} failed to load (bootstrap.js not served where the bundle expects it?)`),
      ),
    );
    exit(1);
  };
  try {
    worker.postMessage(init, [...options.transfer] as Transferable[]);
  } catch (error) {
    gone = true;
    worker.terminate();
    throw error;
  }
  return {
    threadId: null,
    terminate: () => exit(1),
    ref: () => {},
    unref: () => {},
    drainReports: () => [],
  };
}

/** Calls the worker factory; a missing `Worker` or a factory that returns something else is a TypeError. */
function startWebWorker(createWorker: () => WebWorker, userEntry: boolean): WebWorker {
  if (userEntry && typeof Worker !== "function") {
    throw new TypeError(
      "Process: a worker-entry target starts a Web Worker, and this runtime has no global Worker " +
        '(Node): give the target module\'s URL instead (new URL("./task.js", import.meta.url))',
    );
  }
  const worker = createWorker();
  if (
    worker === null ||
    typeof worker !== "object" ||
    typeof (worker as Partial<WebWorker>).postMessage !== "function" ||
    typeof (worker as Partial<WebWorker>).terminate !== "function"
  ) {
    throw new TypeError(
      "Process: the target function must return a new Worker, e.g. " +
        '() => new Worker(new URL("./task.worker.js", import.meta.url), { type: "module" })',
    );
  }
  return worker;
}
