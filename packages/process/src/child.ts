/**
 * The life of a process inside its worker, after `bootstrap.js` has received
 * the start message, published the runtime and `currentProcess()` records,
 * and imported this module: import the target, revive the shared primitives
 * in its arguments, call the function, report its error, and end the process
 * with its exit code (joining or terminating its own children first).
 *
 * The bootstrap owns the exit record and the report channel (it needs them
 * before this module loads, to report a failure to load it); it hands them
 * over as a {@link BootstrapHost}.
 */

import { currentRuntime, nodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";
import { reviveAsync } from "@sabkit/core";
import { serializeError } from "@sabkit/core/internal";
import { importWorkerModule } from "./loader.js";
import type { ChildReport, InitMessage } from "./platform.js";

/** What the bootstrap hands over. */
export interface BootstrapHost {
  readonly init: InitMessage;
  /** Started as a worker_threads Worker (the start message was its workerData), not as a Web Worker. */
  readonly nodeThread: boolean;
  /** Imports the target, when the worker entry built it in (`serveProcess(() => import("./task.js"))`). */
  readonly loadTarget: (() => Promise<unknown>) | undefined;
  /** Records `code` in the exit record unless an exit is recorded already (the first writer wins). */
  recordExit(code: number): void;
  /** Sends a report to the parent (Node: the result port; browsers: the worker's own channel). */
  report(message: ChildReport): void;
}

/** The global key of the set of this thread's running processes (see process.ts). */
const CHILDREN_KEY = Symbol.for("sabkit.process.children");

interface RunningChild {
  readonly daemon: boolean;
  terminate(): void;
  joinAsync(): Promise<unknown>;
}

type Scope = {
  process?: { exitCode?: number; exit(code: number): never };
  addEventListener?: (type: string, listener: (event: never) => void) => void;
  postMessage?: (message: unknown) => void;
  close?: () => void;
} & Record<symbol, unknown>;

/** Runs the process to its end. Never rejects: every failure ends the process with code 1. */
export async function runChild(host: BootstrapHost): Promise<void> {
  const scope = globalThis as unknown as Scope;
  const { nodeThread } = host;
  let ending = false;

  /** Ends the process: daemonic children are terminated, others joined (Python's exit rule). */
  const end = async (code: number): Promise<void> => {
    const children = scope[CHILDREN_KEY] as Set<RunningChild> | undefined;
    if (children !== undefined && children.size > 0) {
      const running = [...children];
      for (const child of running) if (child.daemon) child.terminate();
      await Promise.allSettled(running.filter((c) => !c.daemon).map((c) => c.joinAsync()));
    }
    host.recordExit(code);
    if (nodeThread) {
      scope.process!.exit(code);
    } else {
      host.report({ type: "exit", code });
      scope.close?.();
    }
  };

  /** Reports a failure (before the exit record, so a joiner that sees 1 finds it), then ends. */
  const fail = async (error: unknown): Promise<void> => {
    if (ending) return;
    ending = true;
    const serialized = serializeError(error);
    // As Python does, the child prints its own traceback (some engines give an empty stack).
    console.error(
      `Process ${host.init.name}:\n${serialized.stack || `${serialized.name}: ${serialized.message}`}`,
    );
    host.report({ type: "error", error: serialized });
    await end(1);
  };

  if (!nodeThread) {
    // Browsers keep a worker running after an uncaught error; a process ends.
    scope.addEventListener?.("error", (event: ErrorEvent) => {
      event.preventDefault();
      void fail(event.error ?? new Error(event.message));
    });
    scope.addEventListener?.("unhandledrejection", (event: PromiseRejectionEvent) => {
      event.preventDefault();
      void fail(event.reason);
    });
  }

  try {
    await run(host.init, host.loadTarget);
  } catch (error) {
    await fail(error);
  }
  if (!ending) {
    ending = true;
    await end(nodeThread ? (scope.process!.exitCode ?? 0) : 0);
  }
}

async function run(
  init: InitMessage,
  loadTarget: (() => Promise<unknown>) | undefined,
): Promise<void> {
  // The target first: importing it registers the kinds it uses, so revival
  // imports only packages the target did not.
  const module = await importWorkerModule(init.target, "target", loadTarget);
  let args = init.args as unknown[];
  let kwargs = init.kwargs;
  if (init.hasHandles) {
    const importPackage = packageImporter(init.target);
    args = await reviveAsync(args, "args", { importPackage });
    if (kwargs !== undefined) kwargs = await reviveAsync(kwargs, "kwargs", { importPackage });
  }
  const fn = module[init.export];
  if (typeof fn !== "function") {
    throw new TypeError(
      `target ${init.target} has no exported function "${init.export}" ` +
        `(found ${fn === undefined ? "nothing" : typeof fn}): export it, or pass { export: "<name>" }`,
    );
  }
  await (kwargs === undefined ? fn(...args) : fn(...args, kwargs));
}

/**
 * How revival imports a package's kinds: on Node, Deno and Bun, its
 * `register` entry resolved from the target module's location (where the
 * program installed it), then from this package's; where only the umbrella
 * package `sabkit` is installed (a strict layout shows nothing else), its
 * `register` entry, which registers every kind. In browsers nothing can be
 * imported by name (undefined: revival names the import to add).
 */
export function packageImporter(fromUrl: string): ((name: string) => Promise<unknown>) | undefined {
  if (currentRuntime() === "browser") return undefined;
  return async (name: string) => {
    const { createRequire } = nodeBuiltin<typeof import("node:module")>("node:module");
    const { pathToFileURL } = nodeBuiltin<typeof import("node:url")>("node:url");
    for (const specifier of [`${name}/register`, "sabkit/register"]) {
      for (const base of [fromUrl, import.meta.url]) {
        let resolved: string;
        try {
          resolved = createRequire(base).resolve(specifier);
        } catch {
          continue;
        }
        return import(/* @vite-ignore */ pathToFileURL(resolved).href);
      }
    }
    return import(/* @vite-ignore */ `${name}/register`);
  };
}
