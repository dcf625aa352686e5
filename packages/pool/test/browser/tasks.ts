// The task module of the browser test, served as /tasks.js (its own bundle).
import { Lock } from "@sabkit/lock";
import { currentTask } from "../../src/index.js";

export function square(x: number): number {
  return x * x;
}

export function add(a: number, b: number): number {
  return a + b;
}

export function throwRange(message: string): never {
  throw new RangeError(message);
}

export function addUnderLock(lock: Lock, counter: Int32Array, times: number): boolean {
  for (let i = 0; i < times; i++) {
    using _held = lock.acquire({ timeout: 10_000 });
    const before = counter[0]!;
    counter[0] = before + 1;
  }
  return lock instanceof Lock;
}

/** Runs until cancelled (or `ms` pass). */
export function spin(ms: number): string {
  const end = performance.now() + ms;
  while (performance.now() < end) if (currentTask().cancelled()) return "cancelled";
  return "finished";
}
