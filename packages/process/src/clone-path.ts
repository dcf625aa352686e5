/**
 * Finding which argument cannot be sent to a worker. `share` (core) already
 * names functions, symbols, WeakMaps, … by path; what it leaves to structured
 * clone (class instances holding sockets, MessagePorts not transferred, …)
 * fails later with a DataCloneError that names no path. This walks the tree
 * with `structuredClone` to find the innermost value that fails, so `start()`
 * can throw a TypeError naming it. Only on the error path: it clones
 * repeatedly.
 */
import { HANDLE_RECORD_KEY } from "@sabkit/core/internal";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_VISITS = 10_000;

function keyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function children(value: object, path: string): [unknown, string][] {
  if (value instanceof Map) {
    const out: [unknown, string][] = [];
    let i = 0;
    for (const [key, entry] of value) {
      const label = typeof key === "string" ? JSON.stringify(key) : `<key ${i}>`;
      out.push([key, `${path}.keys()[${i}]`], [entry, `${path}.get(${label})`]);
      i++;
    }
    return out;
  }
  if (value instanceof Set) return [...value].map((item, i) => [item, `${path}.values()[${i}]`]);
  const isArray = Array.isArray(value);
  return Object.keys(value).map((key) => [
    (value as Record<string, unknown>)[key],
    isArray && Number.isInteger(Number(key)) ? `${path}[${key}]` : keyPath(path, key),
  ]);
}

function describeValue(value: unknown): string {
  if (value === null || typeof value !== "object") return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

/**
 * The path and description of the innermost value of `tree` that structured
 * clone rejects, or `undefined` when the whole tree clones.
 */
export function findUncloneable(
  tree: unknown,
  path: string,
): { path: string; what: string } | undefined {
  if (clones(tree)) return undefined;
  const seen = new Set<object>();
  let visits = 0;
  const walk = (value: unknown, at: string): { path: string; what: string } => {
    if (value !== null && typeof value === "object" && !seen.has(value) && visits < MAX_VISITS) {
      seen.add(value);
      for (const [child, childPath] of children(value, at)) {
        visits++;
        if (!clones(child)) return walk(child, childPath);
      }
    }
    return { path: at, what: describeValue(value) };
  };
  return walk(tree, path);
}

/** A TypeError naming the argument that cannot be sent. */
export function uncloneableError(tree: unknown, path: string, cause: unknown): TypeError {
  const found = findUncloneable(tree, path) ?? { path, what: "a value" };
  return new TypeError(
    `${found.path} is ${found.what}, which cannot be sent to a worker (structured clone rejects it); ` +
      "send plain data, typed arrays, SharedArrayBuffers or sabkit primitives, and create " +
      "resources such as sockets inside the target",
    { cause },
  );
}

/** `true` when the shared tree holds at least one handle record (the child must revive it). */
export function containsHandleRecord(tree: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Map) {
      for (const [key, entry] of value) stack.push(key, entry);
    } else if (value instanceof Set) {
      for (const item of value) stack.push(item);
    } else if (
      Array.isArray(value) ||
      Object.getPrototypeOf(value) === Object.prototype ||
      Object.getPrototypeOf(value) === null
    ) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === HANDLE_RECORD_KEY) return true;
      for (const key of keys) stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}
