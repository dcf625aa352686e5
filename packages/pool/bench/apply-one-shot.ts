/**
 * The apply figure on its own: N tiny tasks submitted one by one with `apply`, awaited
 * together, three times in one pool; prints the submission time, the total and the parent
 * thread's CPU time (Linux: /proc/self/task/<pid>/stat), which is what bounds this case.
 *
 *   npx tsx packages/pool/bench/apply-one-shot.ts        (N=200000 P=2 by default)
 */
import { readFileSync } from "node:fs";
import { Pool } from "../src/index.js";

const TASKS = new URL("./tasks.mjs", import.meta.url);
const N = Number(process.env.N ?? 200_000);
const P = Number(process.env.P ?? 2);

/** CPU time of this (the parent) thread in ms, or NaN where /proc is not there. */
function parentCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")
      .split(") ")[1]!
      .split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const pool = new Pool<typeof import("./tasks.mjs")>(TASKS, { processes: P });
await Promise.all(Array.from({ length: 100 }, (_, i) => pool.apply("square", [i])));
for (let run = 0; run < 3; run++) {
  const xs = Array.from({ length: N }, (_, i) => i);
  const cpu = parentCpuMs();
  const started = performance.now();
  const promises = xs.map((x) => pool.apply("square", [x]));
  const submitted = performance.now();
  const results = await Promise.all(promises);
  const ended = performance.now();
  for (let i = 0; i < N; i++) if (results[i] !== i * i) throw new Error(`task ${i}: ${results[i]}`);
  console.log(
    `run ${run}: submit ${(submitted - started).toFixed(0)} ms, total ${(ended - started).toFixed(0)} ms, ` +
      `parent CPU ${parentCpuMs() - cpu} ms, ${(N / ((ended - started) / 1000) / 1000).toFixed(1)} k tasks/s`,
  );
}
pool.terminate();
await pool.join();
