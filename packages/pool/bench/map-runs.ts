// Per-run times of Pool.map over 200,000 tiny items (the side-by-side with
// Python's map times 5 such runs): shows whether a slow run is rare or common.
// Run in packages/pool: `npx tsx --conditions=source bench/map-runs.ts` (SABKIT_MAP_RUNS=<n>).
import { Pool } from "../src/index.js";

type Tasks = typeof import("./tasks.mjs");
const RUNS = Number(process.env.SABKIT_MAP_RUNS ?? 40);
const items = Array.from({ length: 200_000 }, (_, i) => i);
const pool = new Pool<Tasks>(new URL("./tasks.mjs", import.meta.url), { processes: 2 });
for (let run = 0; run < 20; run++) await pool.map("square", items);
const times: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  await pool.map("square", items);
  times.push(performance.now() - started);
}
pool.terminate();
await pool.join();
console.log(times.map((t) => t.toFixed(1)).join(" "));
