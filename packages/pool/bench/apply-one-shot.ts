/**
 * The one-shot apply figure for one library: N tiny tasks submitted one by one, awaited
 * together, RUNS times in one pool. Prints each run's submission time, total and the parent
 * thread's CPU time (Linux: /proc/self/task/<pid>/stat), which is what bounds this case.
 * bench/index.ts runs it once per library, each in a fresh process, with --json (the last line
 * is then the rates, tasks/s per run).
 *
 *   npx tsx --conditions=source bench/apply-one-shot.ts [sabkit2|sabkit1|piscina|piscina64|tinypool|workerpool] [--json]
 *   (in packages/pool; N=200000 RUNS=3 by default)
 */
import { readFileSync } from "node:fs";
import { range, runners } from "./runners.js";

const N = Number(process.env.N ?? 200_000);
const RUNS = Number(process.env.RUNS ?? 3);
const key = process.argv.slice(2).find((arg) => !arg.startsWith("--")) ?? "sabkit2";
const json = process.argv.includes("--json");

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

const runner = runners().find((r) => r.key === key);
if (runner === undefined) {
  throw new Error(
    `unknown library ${key}: one of ${runners()
      .map((r) => r.key)
      .join(", ")}`,
  );
}
const log = json ? console.error : console.log;
await runner.start();
const rates: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const xs = range(N);
  const cpu = parentCpuMs();
  const started = performance.now();
  const promises = xs.map((x) => runner.apply(x));
  const submitted = performance.now();
  const results = await Promise.all(promises);
  const ended = performance.now();
  for (let i = 0; i < N; i++) if (results[i] !== i * i) throw new Error(`task ${i}: ${results[i]}`);
  rates.push(N / ((ended - started) / 1000));
  log(
    `${runner.name} run ${run}: submit ${(submitted - started).toFixed(0)} ms, total ${(ended - started).toFixed(0)} ms, ` +
      `parent CPU ${parentCpuMs() - cpu} ms, ${(rates[run]! / 1000).toFixed(1)} k tasks/s`,
  );
}
await runner.stop();
if (json) console.log(JSON.stringify(rates));
process.exit(0); // a library that keeps a handle open must not keep the process
