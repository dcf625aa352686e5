/**
 * Argument checks of the pool's public methods: each names the bad value and
 * the fix, a bad number is a RangeError and a value of the wrong type a
 * TypeError (as everywhere in sabkit, see core's options.ts).
 */
import { Deadline, describe } from "@sabkit/core/internal";
import type { PoolOptions, TaskOptions } from "./types.js";

/** The options of a call given none (shared: never written). */
export const NO_OPTIONS: TaskOptions = Object.freeze({});

export function checkPositiveInt(
  value: unknown,
  what: string,
  optional = true,
): number | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new RangeError(
      `Pool: ${what} must be an integer from 1 to 2^31-1, got ${describe(value)}`,
    );
  }
  return value;
}

export function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Pool.${what}: the task name must be the name of an exported function, got ${describe(name)}`,
    );
  }
  return name;
}

export function checkTaskOptions(options: unknown, what: string): TaskOptions {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Pool.${what}: options must be an object like { timeout, signal }, got ${describe(options)}`,
    );
  }
  const taskOptions = options as TaskOptions;
  // Validates timeout (RangeError) and signal (TypeError) the way every sabkit wait does.
  Deadline.from(
    { timeout: taskOptions.timeout, signal: taskOptions.signal },
    `Pool.${what} options`,
  );
  return taskOptions;
}

/** Checks the arguments of `apply`/`submit` (all but the queue's room); returns the task's options. */
export function checkCall(name: unknown, args: unknown, options: unknown): TaskOptions {
  checkName(name, "apply");
  if (!Array.isArray(args)) {
    throw new TypeError(`Pool.apply: args must be an array of arguments, got ${describe(args)}`);
  }
  return checkTaskOptions(options, "apply");
}

export function resolveModule(module: unknown, what: string, alternative = ""): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string" && /^[a-z][a-z0-9+.-]+:/i.test(module))
    return new URL(module).href;
  throw new TypeError(
    `${what} must be a module URL (import.meta.url, or new URL("./tasks.js", import.meta.url))${alternative}, ` +
      `got ${describe(module)}`,
  );
}

/** Checks the options of `new Pool` (all but `processes` and `workerUrl`, which the constructor reads). */
export function checkPoolOptions(options: PoolOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `new Pool(module, options): options must be an object, got ${describe(options)}`,
    );
  }
  checkPositiveInt(options.processes, "processes");
  checkPositiveInt(options.maxTasksPerChild, "maxTasksPerChild");
  checkPositiveInt(options.chunksize, "chunksize");
  checkPositiveInt(options.maxQueue, "maxQueue");
  checkPositiveInt(options.maxCrashes, "maxCrashes");
  if (
    options.cancelGrace !== undefined &&
    (typeof options.cancelGrace !== "number" || !(options.cancelGrace >= 0))
  ) {
    throw new RangeError(
      `Pool: cancelGrace must be a number of milliseconds >= 0, got ${describe(options.cancelGrace)}`,
    );
  }
  if (
    options.initializer !== undefined &&
    (typeof options.initializer !== "string" || options.initializer === "")
  ) {
    throw new TypeError(
      `Pool: initializer must be the name of an exported function, got ${describe(options.initializer)}`,
    );
  }
  if (options.initArgs !== undefined && !Array.isArray(options.initArgs)) {
    throw new TypeError(`Pool: initArgs must be an array, got ${describe(options.initArgs)}`);
  }
}
