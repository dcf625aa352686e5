// Python's Lock example (python/lock.py): ten processes print under one
// shared Lock, so their lines never interleave. The order of the lines is
// whatever order the processes get the lock in, as in Python.
import { isMainProcess, Lock, Process } from "sabkit";
import { print } from "./lib/repr.js";

export function f(l: Lock, i: number): void {
  l.acquire();
  try {
    print("hello world", i);
  } finally {
    l.release();
  }
}

if (isMainProcess()) {
  const lock = new Lock();
  for (let num = 0; num < 10; num++) {
    new Process({ target: import.meta.url, export: "f", args: [lock, num] }).start();
  }
  // No join, as in Python: non-daemonic processes keep the program alive until they end.
}
