// Python's Manager example (python/manager.py): a dict and a list made by a
// Manager, changed by a child process, printed by the parent.
//
// Differences from Python's proxies:
// - Keys: a SharedDict takes strings and numbers only (Python takes any
//   hashable). The example's keys 1, "2" and 0.25 all work, and 1 and "1" are
//   different keys, as in Python.
// - Order: a SharedDict iterates in its hash table's order, not in insertion
//   order as a Python dict does, so the dict may print its three entries in
//   another order than Python's `{1: '1', '2': 2, 0.25: None}`.
// - SharedList has no `reverse()` (nor sort/insert/remove/extend): `f` reads
//   a snapshot and writes it back reversed, two steps that another writer
//   could interleave with (nobody else writes here). The list's lock cannot
//   make them one step: holding `getLock()` while calling `set` is a
//   DeadlockError.
import { isMainProcess, Manager, Process, type SharedDict, type SharedList } from "sabkit";
import { print } from "./lib/repr.js";

export function f(d: SharedDict<number | string, string | number | null>, l: SharedList<number>) {
  d.set(1, "1");
  d.set("2", 2);
  d.set(0.25, null);
  const reversed = l.slice().reverse(); // l.reverse(), in two steps: see above
  for (const [i, item] of reversed.entries()) l.set(i, item);
}

if (isMainProcess()) {
  await using manager = new Manager();
  const d = manager.dict<number | string, string | number | null>();
  const l = manager.list(range(10));

  const p = new Process({ target: import.meta.url, export: "f", args: [d, l] });
  p.start();
  await p.joinAsync();

  print(d.snapshot());
  print(l.slice());
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
