// Python's Manager example (python/manager.py): a dict and a list made by a
// Manager, changed by a child process, printed by the parent.
//
// Difference from Python's proxies: a SharedDict takes strings and numbers
// as keys only (Python takes any hashable). The example's keys 1, "2" and
// 0.25 all work, and 1 and "1" are different keys, as in Python. Like a
// Python dict, it iterates in insertion order.
import { isMainProcess, Manager, Process, type SharedDict, type SharedList } from "sabkit";
import { print } from "./lib/repr.js";

export function f(d: SharedDict<number | string, string | number | null>, l: SharedList<number>) {
  d.set(1, "1");
  d.set("2", 2);
  d.set(0.25, null);
  l.reverse();
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
