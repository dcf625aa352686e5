/**
 * Who this thread is, as a process: `currentProcess()` and `isMainProcess()`.
 *
 * A worker started by {@link Process} has its record set by the bootstrap
 * (`bootstrap.js`) on `globalThis` under {@link CURRENT_KEY} *before* the
 * target module is imported, so a module that is both the program and the
 * worker (the seed pattern) sees `isMainProcess() === false` in its top-level
 * code in the worker. The record lives on `globalThis` so that every copy of
 * this package loaded in one thread (source and build, two versions) agrees.
 */

import { threadIdentity } from "@sabkit/core";
import { ROOT_IDENTITY } from "@sabkit/core/internal";

/** The global key of the current process record (set by the bootstrap). */
export const CURRENT_KEY = Symbol.for("sabkit.process.current");

/** A process as seen from inside it. */
export interface ProcessInfo {
  /** `"MainProcess"` in the root thread; the `name` given to `new Process` in a worker. */
  readonly name: string;
  /** The sabkit thread identity (`threadIdentity()`): 1 in the root thread. */
  readonly pid: number;
  /** Whether it was started with `daemon: true`. */
  readonly daemon: boolean;
  /** The process that started it (`null` in the root thread and in workers not started by sabkit). */
  readonly parent: { readonly name: string; readonly pid: number } | null;
}

/** The record the bootstrap stores (structured-cloned from the parent). */
export interface CurrentRecord {
  readonly name: string;
  readonly pid: number;
  readonly daemon: boolean;
  readonly parent: { readonly name: string; readonly pid: number };
}

function record(): CurrentRecord | undefined {
  return (globalThis as unknown as Record<symbol, CurrentRecord | undefined>)[CURRENT_KEY];
}

let main: ProcessInfo | undefined;

/**
 * `true` in the root thread (the Node main thread, a browser window); `false`
 * in every worker, and in particular in a worker started by `Process` while
 * it imports its target module. Guard a module that is both the program and
 * the worker with it.
 *
 * @example
 * ```ts
 * export default function work(n: number) { ... }
 * if (isMainProcess()) {
 *   const p = new Process({ target: import.meta.url, args: [3] });
 *   p.start();
 *   p.join();
 * }
 * ```
 */
export function isMainProcess(): boolean {
  return record() === undefined && threadIdentity() === ROOT_IDENTITY;
}

/**
 * The current process: its name, pid (thread identity), daemon flag and
 * parent. In the root thread: `{ name: "MainProcess", pid: 1, daemon: false,
 * parent: null }`. In a worker not started through sabkit: named
 * `"Worker-<pid>"`, parent `null`.
 *
 * @example
 * ```ts
 * console.log(`${currentProcess().name} (pid ${currentProcess().pid}) says hi`);
 * ```
 */
export function currentProcess(): ProcessInfo {
  const own = record();
  if (own !== undefined) return own;
  if (main === undefined) {
    const pid = threadIdentity();
    main = Object.freeze({
      name: pid === ROOT_IDENTITY ? "MainProcess" : `Worker-${pid}`,
      pid,
      daemon: false,
      parent: null,
    });
  }
  return main;
}
