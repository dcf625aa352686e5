/**
 * SharedList's moves of its entry table (store.ts: for a list, entry `i` is
 * item `i`, `[hash = 0, record offset]`, and COUNT is the length). Every
 * function runs under the list's lock, with the store's header checked for
 * this operation; the stores are plain (the lock's release orders them),
 * except COUNT, which Store.setCount publishes for the lock-free `length`.
 *
 * Each move is ordered so that a holder dying between two steps leaves what
 * Store.validate() recognizes: an entry written past COUNT is counted, two
 * entries on one record mark the store broken.
 */
import type { WaitForm } from "./common.js";
import { describe } from "./core-internal.js";
import { EMPTY, Store, VERSION } from "./store.js";

/** A list's records have no key. */
export const NO_KEY = new Uint8Array(0);

/** Python's slice bounds: negative counts from the end, out of range clamps to [0, length]. */
export function clampIndex(index: number, length: number, op: string): number {
  if (typeof index !== "number" || Number.isNaN(index)) {
    throw new TypeError(`SharedList.${op}: bounds must be numbers, got ${describe(index)}`);
  }
  const at = index < 0 ? index + length : index;
  return Math.max(0, Math.min(length, Math.trunc(at)));
}

/** Item `index` of a list of `length` (negative counts from the end, as in Python). */
export function itemIndex(index: number, length: number, op: string): number {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new TypeError(
      `SharedList.${op}(index): index must be an integer, got ${describe(index)}`,
    );
  }
  const at = index < 0 ? index + length : index;
  if (at < 0 || at >= length) {
    throw new RangeError(
      `SharedList.${op}(index): index ${index} is out of range for a list of length ${length}`,
    );
  }
  return at;
}

/** The items of any iterable, as an array (taken before the lock). */
export function iterableItems<T>(items: Iterable<T>, op: string): T[] {
  if (
    items === null ||
    (typeof items !== "object" && typeof items !== "string") ||
    typeof (items as Partial<Iterable<T>>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `SharedList.${op}(items): items must be iterable (an array, a Set, a generator…), got ${describe(items)}`,
    );
  }
  return Array.from(items);
}

/**
 * Appends the encoded items (room for all of them is made first, so a
 * FullError appends nothing).
 */
export function appendItems(store: Store, encoded: readonly Uint8Array[]): void {
  let total = 0;
  for (const bytes of encoded) total += Store.recordSize(0, bytes.length);
  store.reserve(total, false);
  for (let k = 0; k < encoded.length; k++) {
    const bytes = encoded[k] as Uint8Array;
    store.reserve(Store.recordSize(0, bytes.length), true);
    const offset = store.append(NO_KEY, 0, bytes, bytes.length);
    store.setEntry(store.count, 0, offset);
    store.setCount(store.count + 1);
  }
  store.touch();
}

/** Replaces item `index` by a new record of `bytes` (the old one becomes garbage). */
export function replaceAt(store: Store, index: number, bytes: Uint8Array, op: string): void {
  // Checked before making room (an index out of range grows nothing), and again after: a
  // rebuild keeps the items but re-reads the header.
  itemIndex(index, store.count, op);
  store.reserve(Store.recordSize(0, bytes.length), false);
  const at = itemIndex(index, store.count, op);
  store.addGarbage(store.sizeAt(store.recordAt(at)));
  store.setEntry(at, 0, store.append(NO_KEY, 0, bytes, bytes.length));
  store.touch();
}

/** Makes the record at `offset` item `at`, shifting items [at, COUNT) up by one. */
export function insertAt(store: Store, at: number, offset: number): void {
  const n = store.count;
  const base = store.base + at * 2;
  store.i32.copyWithin(base + 2, base, store.base + n * 2);
  store.setEntry(at, 0, offset);
  store.setCount(n + 1);
  store.touch();
}

/** Removes item `at` (its record becomes garbage), shifting the later items down by one. */
export function removeAt(store: Store, at: number): void {
  store.addGarbage(store.sizeAt(store.recordAt(at)));
  const base = store.base + at * 2;
  const end = store.base + store.count * 2;
  store.i32.copyWithin(base, base + 2, end);
  store.setEntry(store.count - 1, 0, EMPTY);
  store.setCount(store.count - 1);
  store.touch();
}

/** `true` when item `at` holds exactly `bytes` (items are compared encoded). */
function equalAt(store: Store, at: number, bytes: Uint8Array): boolean {
  return store.valueEquals(store.recordAt(at), bytes);
}

/**
 * With `counting`, how many of items [from, to) hold exactly `bytes`;
 * otherwise the first such position, or -1.
 */
export function findEqual(
  store: Store,
  bytes: Uint8Array,
  from: number,
  to: number,
  counting: boolean,
): number {
  let found = 0;
  for (let at = from; at < to; at++) {
    if (!equalAt(store, at, bytes)) continue;
    if (!counting) return at;
    found++;
  }
  return counting ? found : -1;
}

/** Reverses the items in place (swaps whole entries, records stay where they are). */
export function reverseEntries(store: Store): void {
  const i32 = store.i32;
  for (let lo = store.base, hi = store.base + (store.count - 1) * 2; lo < hi; lo += 2, hi -= 2) {
    const hash = i32[lo] as number;
    const offset = i32[lo + 1] as number;
    i32[lo] = i32[hi] as number;
    i32[lo + 1] = i32[hi + 1] as number;
    i32[hi] = hash;
    i32[hi + 1] = offset;
  }
  store.touch();
}

/**
 * Sorts the items stably by `compareFn` on their decoded values (Python's
 * default order without one), permuting the entries (records are not
 * re-encoded). Nothing changes when the order cannot be decided or
 * `compareFn` throws or modifies the list (its operations do not re-lock).
 */
export function sortEntries<T>(
  store: Store,
  decode: (bytes: Uint8Array) => T,
  compareFn: ((a: T, b: T) => number) | undefined,
  op: string,
): void {
  const n = store.count;
  const version = store.i32[VERSION];
  const items: T[] = [];
  const offsets = new Int32Array(n);
  for (let at = 0; at < n; at++) {
    const offset = store.recordAt(at);
    offsets[at] = offset;
    items.push(decode(store.valueBytes(offset)));
  }
  const compare = compareFn ?? (defaultOrder(items) as (a: T, b: T) => number);
  // Array.prototype.sort is stable.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    compare(items[a] as T, items[b] as T),
  );
  // compareFn may have used this list (its operations do not re-lock).
  store.check();
  if (store.i32[VERSION] !== version || store.count !== n) {
    throw new TypeError(
      `SharedList.${op}(compareFn): compareFn modified the list while it was being sorted (Python's ValueError); ` +
        "nothing was sorted: compare without touching the list",
    );
  }
  for (let at = 0; at < n; at++) store.setEntry(at, 0, offsets[order[at] as number] as number);
  store.touch();
}

/** Python's default order: one kind of comparable item, else a TypeError. */
function defaultOrder(items: unknown[]): (a: unknown, b: unknown) => number {
  if (items.length === 0) return () => 0;
  const kind = typeof items[0];
  for (const item of items) {
    if (typeof item !== kind || (kind !== "number" && kind !== "string" && kind !== "bigint")) {
      throw new TypeError(
        `SharedList.sort(): without compareFn the items must be all numbers, all bigints or all strings ` +
          `(as Python's '<' between kinds), got ${describe(items[0])} and ${describe(item)}: pass a compareFn`,
      );
    }
  }
  return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
}

/** The `base` / `baseAsync` / `tryBase` name of an operation in form `form`. */
export function formName(form: WaitForm, base: string): string {
  if (form === "wait") return base;
  if (form === "async") return `${base}Async`;
  return `try${base[0]?.toUpperCase()}${base.slice(1)}`;
}
