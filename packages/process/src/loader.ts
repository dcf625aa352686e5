/**
 * Importing the module a worker runs — a Process target, a Pool's task
 * module — the same way on every runtime, and refusing to start processes
 * while it is being imported.
 *
 * | runtime  | how a `.ts` module loads                                                  |
 * |----------|---------------------------------------------------------------------------|
 * | Node     | through tsx, registered in this worker before the import (Node runs no    |
 * |          | loader in a worker on its own: `--import tsx` in the main thread does not  |
 * |          | reach it); without tsx, Node's own type stripping where it has it          |
 * | Deno     | natively                                                                  |
 * | Bun      | natively                                                                  |
 * | browsers | as the page serves it (a bundler's output)                                 |
 *
 * While {@link importWorkerModule} imports a module, `Process.start()` and
 * `new Pool()` refuse to run ({@link refuseWhileImporting}): a module that is
 * both the program and a worker's module runs its top level again in every
 * worker, so an unguarded `new Pool(...)` there would start workers that start
 * workers, without end. Python refuses the same thing in its bootstrapping
 * phase; `if (isMainProcess())` is the guard.
 */

import { currentRuntime, nodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";
import { SabkitError } from "@sabkit/core";

type Scope = {
  process?: {
    execArgv?: string[];
    features?: { typescript?: unknown };
    cwd?: () => string;
  };
};

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** `true` for a module URL whose file is TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`). */
export function isTypeScript(url: string): boolean {
  try {
    return TYPESCRIPT.test(new URL(url).pathname);
  } catch {
    return TYPESCRIPT.test(url);
  }
}

/**
 * The global flag that says tsx is registered in this thread (set here or by
 * the bootstrap, which registers it first when the worker runs sabkit's own
 * TypeScript sources).
 */
export const TYPESCRIPT_LOADER_KEY = Symbol.for("sabkit.process.typescriptLoader");

/** The global key of the URLs being imported by {@link importWorkerModule} in this thread. */
const IMPORTING_KEY = Symbol.for("sabkit.process.importing");

function importing(): string[] {
  const scope = globalThis as unknown as Record<symbol, string[] | undefined>;
  let urls = scope[IMPORTING_KEY];
  if (urls === undefined) {
    urls = [];
    Object.defineProperty(globalThis, IMPORTING_KEY, { value: urls, configurable: true });
  }
  return urls;
}

/**
 * Throws when called while this thread imports its worker module: starting
 * processes from a worker module's top level would repeat in every worker.
 *
 * @param what what was refused, e.g. `"Process.start()"` or `"new Pool()"`.
 */
export function refuseWhileImporting(what: string): void {
  const urls = importing();
  if (urls.length === 0) return;
  throw new SabkitError(
    `${what} was called while this worker was still importing its module ${urls[urls.length - 1]}: ` +
      "a worker imports the module it runs, so code at the top level of that module runs again in every " +
      "worker, and would start workers that start workers without end. Put the code that starts " +
      "processes and pools under `if (isMainProcess()) { ... }` (from @sabkit/process), or in a function " +
      "the worker calls.",
  );
}

/**
 * Imports the module a worker runs: registers a TypeScript loader first where
 * the runtime needs one, and refuses `Process.start()`/`new Pool()` while the
 * module's top level runs.
 *
 * @param url an absolute module URL, or how messages name a module that
 *   `load` imports (a worker entry's bundled module).
 * @param role how messages name the module (`"target"`, `"task module"`).
 * @param load imports the module instead of `import(url)` (a worker entry's
 *   `() => import("./task.js")`, built into the worker by a bundler).
 */
export async function importWorkerModule(
  url: string,
  role: string,
  load?: () => Promise<unknown>,
): Promise<Record<string, unknown>> {
  if (load === undefined && currentRuntime() === "node" && isTypeScript(url)) {
    await registerTypeScript(url, role);
  }
  const urls = importing();
  urls.push(url);
  try {
    const module = await (load === undefined ? import(/* @vite-ignore */ url) : load());
    if (module === null || typeof module !== "object") {
      throw new TypeError(
        `the ${role} loader of this worker entry resolved to ${module === null ? "null" : typeof module}, ` +
          'not a module: pass serveProcess() a function such as () => import("./task.js")',
      );
    }
    return module as Record<string, unknown>;
  } finally {
    urls.splice(urls.lastIndexOf(url), 1);
  }
}

async function registerTypeScript(url: string, role: string): Promise<void> {
  const scope = globalThis as unknown as Record<symbol, unknown> & Scope;
  if (scope[TYPESCRIPT_LOADER_KEY] === true) return;
  const api = await findTsx(url);
  if (api !== undefined) {
    api.register();
    Object.defineProperty(globalThis, TYPESCRIPT_LOADER_KEY, { value: true, configurable: true });
    return;
  }
  // Node 22.18+/23.6+ strip types on their own: let the import try.
  if (scope.process?.features?.typescript) return;
  throw new SabkitError(
    `cannot load the TypeScript ${role} ${url}: Node runs .ts files in a worker only through tsx, ` +
      "and tsx was found neither beside the program, nor beside the module, nor in the flags that started " +
      "this program. Install it (npm install --save-dev tsx), or give the compiled JavaScript module instead",
  );
}

interface TsxApi {
  register(): unknown;
}

/**
 * tsx's ESM API, looked for where the user's tsx is: the one running this
 * program (`npx tsx main.ts` and `node --import tsx` leave their flags in
 * `process.execArgv`, which workers inherit), then beside the working
 * directory, the module, and this package.
 */
async function findTsx(moduleUrl: string): Promise<TsxApi | undefined> {
  const { createRequire } = nodeBuiltin<typeof import("node:module")>("node:module");
  const { pathToFileURL } = nodeBuiltin<typeof import("node:url")>("node:url");
  const { dirname, join } = nodeBuiltin<typeof import("node:path")>("node:path");
  const { readFileSync } = nodeBuiltin<typeof import("node:fs")>("node:fs");
  const proc = (globalThis as Scope).process;
  const bases: string[] = [];
  for (const arg of tsxFlags(proc?.execArgv ?? [])) {
    // A path or URL inside tsx's package (npx): resolve tsx from next to it.
    if (arg.includes("/tsx/")) bases.push(arg.startsWith("file:") ? arg : pathToFileURL(arg).href);
  }
  const cwd = proc?.cwd?.();
  if (cwd !== undefined) bases.push(pathToFileURL(join(cwd, "noop.js")).href);
  bases.push(moduleUrl, import.meta.url);
  for (const base of bases) {
    let manifest: string;
    try {
      manifest = createRequire(base).resolve("tsx/package.json");
    } catch {
      continue;
    }
    const entry = esmApiEntry(JSON.parse(readFileSync(manifest, "utf8")));
    if (entry === undefined) continue;
    return (await import(
      /* @vite-ignore */ pathToFileURL(join(dirname(manifest), entry)).href
    )) as TsxApi;
  }
  return undefined;
}

/** The values of `--import`/`--require`/`--loader` flags (`--import x` and `--import=x`). */
function tsxFlags(execArgv: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const match = /^--(?:import|require|loader|experimental-loader)(?:=(.*))?$/.exec(arg);
    if (match === null) continue;
    const value = match[1] ?? execArgv[++i];
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** `exports["./esm/api"].import.default` of tsx's package.json. */
function esmApiEntry(manifest: unknown): string | undefined {
  const api = (manifest as { exports?: Record<string, unknown> })?.exports?.["./esm/api"];
  const target = (api as { import?: { default?: unknown } | string } | undefined)?.import;
  const file = typeof target === "string" ? target : target?.default;
  return typeof file === "string" ? file : undefined;
}
