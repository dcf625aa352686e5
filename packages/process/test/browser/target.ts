// The target module of the browser test, served as /target.js (its own bundle).
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { currentProcess, isMainProcess } from "../../src/index.js";

const importedAsMain = isMainProcess();

export async function sleeper(times: Float64Array, index: number, ms: number): Promise<void> {
  times[2 * index] = performance.timeOrigin + performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  times[2 * index + 1] = performance.timeOrigin + performance.now();
}

export function whoAmI(out: Int32Array): void {
  out[0] = currentProcess().pid;
  out[1] = importedAsMain ? 1 : 0;
  out[2] = currentProcess().parent?.pid ?? -1;
}

export function fails(message: string): never {
  throw new RangeError(message);
}

export function busy(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  for (;;) if (Atomics.load(flag, 1) === 99) return;
}

export function sum(values: { a: number[] }, kwargs: { times: number }, out: Int32Array): void {
  out[0] = values.a.reduce((x, y) => x + y, 0) * kwargs.times;
}

/** Flags that it runs, then stays busy for `ms` (so a joiner really sleeps). */
export function runsFor(flag: Int32Array, ms: number): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

/**
 * A process that blocks in join() on its own child (workers may block). In
 * browsers a worker starts only when its parent's thread returns to its event
 * loop, so it first awaits the child's "running" flag.
 */
export async function parentBlocking(out: Int32Array): Promise<void> {
  const { Process } = await import("../../src/index.js");
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const child = new Process({
    target: import.meta.url,
    export: "runsFor",
    args: [flag, 300],
  }).start();
  while (Atomics.load(flag, 0) === 0) await waitAsync(flag, 0, 0, 1000);
  out[2] = child.pid ?? -1;
  out[3] = child.join(10_000) ?? -100;
}
