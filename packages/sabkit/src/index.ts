/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * sabkit: Python's `multiprocessing` for JavaScript and TypeScript, on
 * shared memory. This package re-exports every sabkit package, so one
 * install gives the whole toolkit:
 *
 * ```ts
 * import { Lock, Pool, Process, Queue, isMainProcess } from "sabkit";
 * ```
 *
 * Each primitive is also published on its own (`@sabkit/lock`,
 * `@sabkit/queue`, …) for programs that want only one.
 *
 * @packageDocumentation
 */
export * from "@sabkit/atomics-sync-polyfill";
export * from "@sabkit/barrier";
export * from "@sabkit/core";
export * from "@sabkit/event";
export * from "@sabkit/lock";
export * from "@sabkit/pipe";
export * from "@sabkit/pool";
export * from "@sabkit/process";
export * from "@sabkit/queue";
export * from "@sabkit/semaphore";
export * from "@sabkit/shared";
