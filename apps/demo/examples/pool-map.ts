// Python's Pool example (python/pool-map.py): `with Pool(5) as p`, then
// `p.map(f, …)` in order. This file is both the program and the pool's task
// module: every exported function is a task.
import { isMainProcess, Pool } from "sabkit";
import { print } from "./lib/repr.js";

export function f(x: number): number {
  return x * x;
}

if (isMainProcess()) {
  await using p = new Pool<typeof import("./pool-map.js")>(import.meta.url, { processes: 5 });
  print(await p.map("f", [1, 2, 3]));
  print(await p.map("f", range(10)));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
