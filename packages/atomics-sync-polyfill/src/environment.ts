/**
 * The one module that tells which JavaScript runtime this thread runs on and
 * loads Node's built-in modules without a static import (every sabkit package
 * is also bundled for browsers). Every package asks here; only the worker
 * entries (`serve.js` of @sabkit/process, which may import nothing) probe on
 * their own.
 *
 * | runtime   | how it is told                                            |
 * |-----------|-----------------------------------------------------------|
 * | `deno`    | a global `Deno` (Deno also sets `process.versions.node`)  |
 * | `bun`     | a global `Bun` or `process.versions.bun` (likewise)       |
 * | `node`    | `process.versions.node`                                   |
 * | `browser` | none of these: a page or a Web Worker                      |
 */

/** The JavaScript runtime this thread runs on. */
export type Runtime = "node" | "deno" | "bun" | "browser";

type Scope = {
  Deno?: unknown;
  Bun?: unknown;
  process?: {
    versions?: { node?: unknown; bun?: unknown };
    getBuiltinModule?: (id: string) => unknown;
  };
};

/** Which runtime this is. Deno and Bun also set `process.versions.node`: they are checked first. */
export function currentRuntime(): Runtime {
  const scope = globalThis as Scope;
  if (scope.Deno !== undefined) return "deno";
  if (scope.Bun !== undefined || typeof scope.process?.versions?.bun === "string") return "bun";
  if (typeof scope.process?.versions?.node === "string") return "node";
  return "browser";
}

/** `true` on Node, Deno and Bun: `node:` modules and `process` are there. */
export function hasNodeApis(): boolean {
  return currentRuntime() !== "browser";
}

/** A Node built-in (`"node:worker_threads"`), or undefined where there is none (browsers, Node < 20.16). */
export function tryNodeBuiltin<T>(id: string): T | undefined {
  const get = (globalThis as Scope).process?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  try {
    return get(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Node built-in, where the caller cannot go on without it.
 *
 * @throws Error naming `what` needed it: saying to upgrade Node where
 * `process.getBuiltinModule` is missing (Node < 20.16), or that the runtime
 * has no such module.
 */
export function nodeBuiltin<T>(id: string, what = "sabkit"): T {
  const module = tryNodeBuiltin<T>(id);
  if (module !== undefined) return module;
  if (typeof (globalThis as Scope).process?.getBuiltinModule !== "function") {
    throw new Error(
      `${what} needs process.getBuiltinModule (Node >= 20.16) to load ${id}; upgrade Node (sabkit needs 20.19 or later)`,
    );
  }
  throw new Error(`${what} needs the built-in module ${id}, which this runtime does not have`);
}
