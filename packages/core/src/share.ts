/**
 * Sending live primitives through `postMessage`: `share` replaces every
 * shareable object in an argument tree by a marked record holding its handle;
 * after the tree has been structured-cloned into a worker, `revive` replaces
 * the records by live primitives again, through the registry of kinds.
 *
 * A marked record is `{ "$sabkit.handle": handle }` — a plain object with
 * exactly that one key (symbols do not survive structured clone, a string key
 * does). An object of your own that has exactly that one key would be taken
 * for a record: do not send such objects.
 *
 * `share` walks arrays, plain objects, Maps and Sets (cycles and shared
 * references are preserved, as structured clone preserves them). Other
 * objects (Date, typed arrays, SharedArrayBuffers, class instances that are
 * not shareable) are left as they are, for structured clone to handle.
 * Functions, symbols, WeakMaps, WeakSets, WeakRefs and Promises cannot be
 * cloned: `share` rejects them with a TypeError naming where they are
 * (`args[1].onDone`) rather than leaving a DataCloneError for later.
 *
 * The registry is kept on `globalThis` under a registry symbol, so two copies
 * of @sabkit/core in one thread (two versions, or a bundle and a package)
 * share one registry.
 */
import { hasNodeApis } from "@sabkit/atomics-sync-polyfill/internal";
import { InvalidHandleError } from "./errors.js";
import type { Handle, Shareable } from "./handle.js";
import { isSharedArrayBuffer } from "./layout.js";
import { describe } from "./options.js";

/** The key of a marked handle record. */
export const HANDLE_RECORD_KEY = "$sabkit.handle";

/** How a kind is revived from its handle. */
export interface KindReviver {
  /** Revives a primitive from its handle (validates it; throws InvalidHandleError). */
  from(handle: Handle): unknown;
}

const REGISTRY_KEY = Symbol.for("sabkit.registry.kinds");

function registry(): Map<string, KindReviver> {
  const scope = globalThis as unknown as Record<symbol, Map<string, KindReviver> | undefined>;
  let kinds = scope[REGISTRY_KEY];
  if (kinds === undefined) {
    kinds = new Map();
    Object.defineProperty(globalThis, REGISTRY_KEY, { value: kinds });
  }
  return kinds;
}

/**
 * Registers how to revive handles of `kind` in this thread. A primitive
 * package calls it when its module loads (a static block of the class), so
 * importing the package is enough for `revive` to know the kind. Registering
 * a kind again replaces the previous reviver.
 *
 * @example
 * ```ts
 * export class Lock implements Shareable<LockHandle> {
 *   static { registerKind("lock", { from: (handle) => Lock.from(handle) }); }
 *   ...
 * }
 * ```
 */
export function registerKind(kind: string, reviver: KindReviver): void {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(`registerKind: kind must be a non-empty string, got ${describe(kind)}`);
  }
  if (reviver === null || typeof reviver !== "object" || typeof reviver.from !== "function") {
    throw new TypeError(
      `registerKind("${kind}"): the reviver must be an object with a from(handle) method`,
    );
  }
  registry().set(kind, reviver);
}

/** A class whose kind registers itself when its module loads (a static block). */
export interface SelfRegisteringClass {
  from(handle: Handle): unknown;
}

/**
 * The body of each package's `register` entry (`import "@sabkit/lock/register"`):
 * the classes' static blocks registered their kinds when their modules were
 * evaluated; this call is what makes a bundler keep those modules (the
 * `register` module is the package's one declared side effect, and it uses
 * every class), and it checks that each one can revive a handle.
 *
 * @throws TypeError when an argument is not a class with a static `from`.
 */
export function ensureKindsRegistered(...classes: readonly SelfRegisteringClass[]): void {
  for (const kindClass of classes as readonly unknown[]) {
    if (
      typeof kindClass !== "function" ||
      typeof (kindClass as { from?: unknown }).from !== "function"
    ) {
      throw new TypeError(
        `ensureKindsRegistered: expected shareable classes with a static from(handle), got ${describe(kindClass)}`,
      );
    }
  }
}

/** `true` when `kind` has been registered in this thread. */
export function isKindRegistered(kind: string): boolean {
  return registry().has(kind);
}

/**
 * `true` for a shareable primitive: an object that is not a plain object,
 * array, Map or Set, whose `handle` looks like a handle (kind string, version
 * number, package string, SharedArrayBuffer).
 */
export function isShareable(value: unknown): value is Shareable {
  if (value === null || typeof value !== "object" || isContainer(value)) return false;
  let handle: unknown;
  try {
    handle = (value as { handle?: unknown }).handle;
  } catch {
    return false;
  }
  return looksLikeHandle(handle);
}

function looksLikeHandle(value: unknown): value is Handle {
  if (value === null || typeof value !== "object") return false;
  const h = value as Record<string, unknown>;
  return (
    typeof h.kind === "string" &&
    typeof h.version === "number" &&
    typeof h.package === "string" &&
    isSharedArrayBuffer(h.buffer)
  );
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isContainer(value: object): boolean {
  return (
    Array.isArray(value) || value instanceof Map || value instanceof Set || isPlainObject(value)
  );
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function keyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function notCloneable(value: unknown): string | undefined {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (value instanceof WeakMap) return "a WeakMap";
  if (value instanceof WeakSet) return "a WeakSet";
  if (typeof WeakRef === "function" && value instanceof WeakRef) return "a WeakRef";
  if (value instanceof Promise) return "a Promise";
  return undefined;
}

/**
 * What a visitor of {@link mapTree} returns to leave a value as it is: the
 * walk then copies an array, Map, Set or plain object and visits what it
 * holds, and keeps any other value.
 */
const NOT_REPLACED: unique symbol = Symbol("sabkit.share.notReplaced");

/** Decides what one value of the tree becomes; `at` is its path (`args[1].queue`). */
type Visitor = (value: unknown, at: string) => unknown;

/**
 * The one walk of an argument tree, for share, revive and reviveAsync: a
 * copy of `tree` in which each value is what `visit(value, path)` returns,
 * or, where that is {@link NOT_REPLACED}, the value itself, with arrays,
 * Maps (keys and values), Sets and plain objects copied and their contents
 * walked. Each object is visited once, so cycles and shared references come
 * out as they went in (as structured clone keeps them).
 */
function mapTree(tree: unknown, path: string, visit: Visitor): unknown {
  const copies = new Map<object, unknown>();
  const walk = (value: unknown, at: string): unknown => {
    const isObject = value !== null && (typeof value === "object" || typeof value === "function");
    if (isObject) {
      const seen = copies.get(value);
      if (seen !== undefined || copies.has(value)) return seen;
    }
    const replaced = visit(value, at);
    if (replaced !== NOT_REPLACED) {
      if (isObject) copies.set(value, replaced);
      return replaced;
    }
    if (!isObject || !isContainer(value)) {
      if (isObject) copies.set(value, value);
      return value;
    }
    return copyContainer(value, at);
  };
  // A copy of the container, registered before its contents are walked (a cycle finds it).
  const copyContainer = (value: object, at: string): unknown => {
    if (Array.isArray(value)) {
      const copy: unknown[] = new Array(value.length);
      copies.set(value, copy);
      for (const key of Object.keys(value)) {
        const index = Number.isInteger(Number(key)) ? `${at}[${key}]` : keyPath(at, key);
        (copy as unknown as Record<string, unknown>)[key] = walk(
          (value as unknown as Record<string, unknown>)[key],
          index,
        );
      }
      return copy;
    }
    if (value instanceof Map) {
      const copy = new Map<unknown, unknown>();
      copies.set(value, copy);
      let i = 0;
      for (const [key, entry] of value) {
        const label = typeof key === "string" ? JSON.stringify(key) : `<key ${i}>`;
        copy.set(walk(key, `${at}.keys()[${i}]`), walk(entry, `${at}.get(${label})`));
        i++;
      }
      return copy;
    }
    if (value instanceof Set) {
      const copy = new Set<unknown>();
      copies.set(value, copy);
      let i = 0;
      for (const item of value) copy.add(walk(item, `${at}.values()[${i++}]`));
      return copy;
    }
    const copy: Record<string, unknown> = {};
    copies.set(value, copy);
    for (const key of Object.keys(value)) {
      copy[key] = walk((value as Record<string, unknown>)[key], keyPath(at, key));
    }
    return copy;
  };
  return walk(tree, path);
}

/**
 * Returns a copy of `tree` in which every shareable primitive is replaced by
 * a marked record holding its handle, ready for `postMessage`.
 *
 * @param path the name of the root in error messages (default `"args"`).
 * @throws TypeError naming the path of a function, symbol, WeakMap, WeakSet,
 * WeakRef or Promise (they cannot be sent to a worker).
 * @example
 * ```ts
 * worker.postMessage(share([lock, { queue, n: 3 }]));
 * // in the worker:
 * const [lock, { queue, n }] = revive(message);
 * ```
 */
export function share<T>(tree: T, path = "args"): unknown {
  return mapTree(tree, path, (value, at) => {
    if (typeof value === "symbol") throw cannotSend(at, "a symbol");
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      return NOT_REPLACED;
    }
    const bad = notCloneable(value);
    if (bad !== undefined) throw cannotSend(at, bad);
    return isShareable(value) ? { [HANDLE_RECORD_KEY]: value.handle } : NOT_REPLACED;
  });
}

function cannotSend(path: string, what: string): TypeError {
  return new TypeError(
    `${path} is ${what}, which cannot be sent to a worker (structured clone rejects it); ` +
      "send data or a shareable primitive instead, and define functions in the worker's module",
  );
}

/** The handle of a marked record, or `false` for any other value. */
function asRecord(value: unknown): Handle | undefined | false {
  // A record is a plain object whose only own key is HANDLE_RECORD_KEY.
  if (value === null || typeof value !== "object" || !isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== HANDLE_RECORD_KEY) return false;
  return (value as Record<string, Handle | undefined>)[HANDLE_RECORD_KEY];
}

function kindOf(handle: unknown, at: string): { kind: string; pkg: unknown } {
  if (handle === null || typeof handle !== "object") {
    throw new InvalidHandleError(
      `revive: ${at} is a handle record whose handle is ${describe(handle)}, not a handle object (forged or corrupted?)`,
    );
  }
  const { kind, package: pkg } = handle as { kind?: unknown; package?: unknown };
  if (typeof kind !== "string") {
    throw new InvalidHandleError(
      `revive: ${at} is a handle record whose handle.kind is ${describe(kind)}, not a string (forged or corrupted?)`,
    );
  }
  return { kind, pkg };
}

/** The live primitive of the record at `at`, through the kind registered for its handle. */
function reviveRecord(handle: unknown, at: string, kinds: Map<string, KindReviver>): unknown {
  const { kind, pkg } = kindOf(handle, at);
  const reviver = kinds.get(kind);
  if (reviver === undefined) {
    throw new InvalidHandleError(
      `revive: ${at} is a "${kind}" handle but no kind "${kind}" is registered in this thread: ` +
        (typeof pkg === "string"
          ? `import "${pkg}/register" in this worker's module (it registers the package's kinds ` +
            "and bundlers keep it), import the class itself, or use reviveAsync on Node, Deno and Bun"
          : "import the package that defines it in this worker"),
    );
  }
  try {
    return reviver.from(handle as Handle);
  } catch (error) {
    if (!(error instanceof InvalidHandleError)) throw error;
    throw new InvalidHandleError(`revive: ${at}: ${error.message}`, { cause: error });
  }
}

/**
 * Returns a copy of `tree` (as received from `share` + structured clone) in
 * which every handle record is replaced by a live primitive, revived by the
 * kind registered with {@link registerKind}.
 *
 * @throws InvalidHandleError for a record whose kind is not registered in
 * this thread (the message names the package to import), or whose handle is
 * invalid.
 * @example
 * ```ts
 * import "@sabkit/lock/register"; // registers "lock" (and the package's other kinds)
 * const [lock, counter] = revive(event.data);
 * ```
 */
export function revive<T = unknown>(tree: unknown, path = "args"): T {
  const kinds = registry();
  return mapTree(tree, path, (value, at) => {
    const handle = asRecord(value);
    return handle === false ? NOT_REPLACED : reviveRecord(handle, at, kinds);
  }) as T;
}

// A bare npm package name ("pkg", "@scope/pkg"): never a path, URL or builtin,
// so a forged handle cannot make reviveAsync import an arbitrary file.
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Options of {@link reviveAsync}. */
export interface ReviveAsyncOptions {
  /**
   * Imports a package's kinds: receives a bare package name (`"@sabkit/lock"`)
   * and imports its `register` entry. Default: `import("<name>/register")`
   * from this module's location on Node, Deno and Bun; in browsers nothing can
   * be imported by name, and a missing kind is an error naming the import to add.
   */
  importPackage?: (name: string) => Promise<unknown>;
}

const defaultImportPackage = (name: string): Promise<unknown> =>
  import(/* @vite-ignore */ `${name}/register`);

/**
 * Like {@link revive}, but first imports the kinds of every handle whose kind
 * is not registered yet, through the `register` entry of the package the
 * handle names (`@sabkit/lock/register`). Only bare package names are
 * imported, never paths or URLs.
 *
 * @throws InvalidHandleError when a package cannot be imported (in a browser,
 * where nothing can be imported by name, for every kind not registered), or
 * does not register the kind.
 * @example
 * ```ts
 * const [queue] = await reviveAsync(workerData.args); // imports @sabkit/queue/register if needed
 * ```
 */
export async function reviveAsync<T = unknown>(
  tree: unknown,
  path = "args",
  options: ReviveAsyncOptions = {},
): Promise<T> {
  const importPackage = options.importPackage ?? (hasNodeApis() ? defaultImportPackage : undefined);
  const kinds = registry();
  const missing = new Map<string, string>(); // package -> first kind needing it
  // The walk's copy is dropped: only the records' kinds matter here.
  mapTree(tree, path, (value, at) => {
    const handle = asRecord(value);
    if (handle === false) return NOT_REPLACED;
    const { kind, pkg } = kindOf(handle, at);
    if (!kinds.has(kind) && typeof pkg === "string" && !missing.has(pkg)) missing.set(pkg, kind);
    return value;
  });
  // Without an importer (a browser), revive below names the import to add.
  if (importPackage === undefined) return revive<T>(tree, path);
  await Promise.all(
    [...missing].map(async ([pkg, kind]) => {
      if (!PACKAGE_NAME.test(pkg)) {
        throw new InvalidHandleError(
          `reviveAsync: a "${kind}" handle names package ${JSON.stringify(pkg)}, which is not a bare npm ` +
            "package name; import the package that defines it yourself, then call revive",
        );
      }
      try {
        await importPackage(pkg);
      } catch (error) {
        throw new InvalidHandleError(
          `reviveAsync: importing "${pkg}/register" (for a "${kind}" handle) failed: ${describeError(error)}; ` +
            `install ${pkg} where the worker can resolve it, or import "${pkg}/register" in the worker's module`,
          { cause: error },
        );
      }
      if (!kinds.has(kind)) {
        throw new InvalidHandleError(
          `reviveAsync: "${pkg}" was imported but did not register kind "${kind}"; ` +
            "the sender and the worker may load different versions of it",
        );
      }
    }),
  );
  return revive<T>(tree, path);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : describe(error);
}
