// pnpm --filter @sabkit/pool bench — scenarios in bench/README.md.
import { execFileSync } from "node:child_process";
import { type BenchCase, recordTables, runBench } from "@sabkit/bench";
import { Pool } from "../src/index.js";
import { CORES, type Runner, range, runners, TASKS, type Tasks } from "./runners.js";

/** Tasks per timed call in the apply group (tinybench makes at least 64 calls per case). */
const APPLY_BATCH = Number(process.env.SABKIT_POOL_APPLY_BATCH ?? 2000);
/** The one-shot figure: this many tasks submitted one by one, awaited together, once per library. */
const ONE_SHOT = Number(process.env.SABKIT_POOL_ONE_SHOT ?? 200_000);
const MAP_ITEMS = 200_000;
const BUSY_N = 2_000_000;
const BUSY_TASKS = 8;

function applyCase(runner: Runner): BenchCase {
  const xs = range(APPLY_BATCH);
  return {
    name: runner.name,
    ops: APPLY_BATCH,
    setup: () => runner.start(),
    teardown: () => runner.stop(),
    run: () => Promise.all(xs.map((x) => runner.apply(x))),
  };
}

function python(): Record<string, number> | undefined {
  try {
    const out = execFileSync(
      "python3",
      [new URL("./pool-python.py", import.meta.url).pathname, String(MAP_ITEMS), String(CORES)],
      { encoding: "utf8", timeout: 300_000 },
    );
    return JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
  } catch (error) {
    console.log(`(Python's multiprocessing.Pool not measured: ${(error as Error).message})`);
    return undefined;
  }
}

const rate = (perSecond: number): string =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;

// -- groups --------------------------------------------------------------------

let mapPool: Pool<Tasks> | undefined;
let cpuPool: Pool<Tasks> | undefined;
const items = range(MAP_ITEMS);
const busyArgs = range(BUSY_TASKS).map(() => BUSY_N);

await runBench("pool", [
  {
    title: `apply: ${APPLY_BATCH} tiny tasks submitted one by one, awaited together (2 workers unless noted)`,
    baseline: "piscina",
    cases: runners().map(applyCase),
    note: "Each timed call submits the batch with apply/run/exec and awaits all of it; ops/s = tasks per second.",
  },
  {
    title: `map: ${MAP_ITEMS.toLocaleString("en")} tiny items, automatic chunksize (2 workers)`,
    baseline: "sabkit Pool.map",
    cases: [
      {
        name: "sabkit Pool.map",
        ops: MAP_ITEMS,
        setup: async () => {
          mapPool = new Pool<Tasks>(TASKS, { processes: CORES });
          await mapPool.map("square", range(1000));
        },
        teardown: async () => {
          mapPool!.terminate();
          await mapPool!.join();
        },
        run: () => mapPool!.map("square", items),
      },
    ],
    note: "Python's Pool.map with its default chunksize is measured by a python3 subprocess in the same run (table below).",
  },
  {
    title: `CPU-bound: ${BUSY_TASKS} tasks of busy(${BUSY_N.toLocaleString("en")}) (one thread vs the pool)`,
    baseline: "one thread",
    cases: [
      { name: "one thread", ops: BUSY_TASKS, run: () => busyArgs.map((n) => busyLocal(n)) },
      {
        name: `sabkit Pool.map, ${CORES} workers, chunksize 1`,
        ops: BUSY_TASKS,
        setup: async () => {
          cpuPool = new Pool<Tasks>(TASKS, { processes: CORES });
          await cpuPool.map("busy", [10, 10]);
        },
        teardown: async () => {
          cpuPool!.terminate();
          await cpuPool!.join();
        },
        run: () => cpuPool!.map("busy", busyArgs, { chunksize: 1 }),
      },
    ],
    note: `The ratio is the speedup over one thread; the target is >= 0.9 x ${CORES} cores.`,
  },
]);

function busyLocal(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + Math.imul(i, 2654435761)) % 1_000_003;
  return x;
}

// -- one-shot 200k apply, and Python --------------------------------------------

/** Lines of the tables below: printed as they come, and recorded for BENCHMARKS.md. */
const tables: string[] = [];
function table(text: string): void {
  console.log(text);
  tables.push(text);
}

const ONE_SHOT_RUNS = 3;
const ONE_SHOT_SCRIPT = new URL("./apply-one-shot.ts", import.meta.url).pathname;
table(
  `### apply: ${ONE_SHOT.toLocaleString("en")} tiny tasks submitted one by one, awaited together (${ONE_SHOT_RUNS} runs per library, one pool each, each library in a fresh Node process)\n`,
);
table("| library | first run | median run | vs piscina (median) |\n| --- | ---: | ---: | ---: |");
let piscinaRate = 0;
for (const runner of runners()) {
  // Each library in a fresh Node process, one after the other: none runs in a heap that another
  // library (or an earlier group of this bench) left full, and each is warmed the same way.
  const rates = oneShotInChild(runner.key);
  const median = [...rates].sort((a, b) => a - b)[rates.length >> 1]!;
  if (runner.key === "piscina") piscinaRate = median;
  table(
    `| ${runner.name} | ${rate(rates[0]!)} | ${rate(median)} | ${(median / piscinaRate).toFixed(2)}× |`,
  );
}

/** Runs bench/apply-one-shot.ts for one library in a new process; its rates, one per run. */
function oneShotInChild(key: string): number[] {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--conditions=source", ONE_SHOT_SCRIPT, key, "--json"],
    {
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, N: String(ONE_SHOT), RUNS: String(ONE_SHOT_RUNS) },
    },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as number[];
}

// sabkit's map timed the way pool-python.py times Python's (best and mean of 5 runs), for the
// side-by-side table below.
async function sabkitMapRuns(): Promise<{ best: number; mean: number }> {
  const pool = new Pool<Tasks>(TASKS, { processes: CORES });
  // Warm (JIT) as Python's pool is by then (400,000 tasks of apply_async and map(chunksize=1)).
  for (let run = 0; run < 20; run++) await pool.map("square", items);
  const seconds: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    await pool.map("square", items);
    seconds.push((performance.now() - started) / 1000);
  }
  pool.terminate();
  await pool.join();
  const total = seconds.reduce((a, b) => a + b, 0);
  return { best: MAP_ITEMS / Math.min(...seconds), mean: (MAP_ITEMS * seconds.length) / total };
}

const py = python();
const ours = await sabkitMapRuns();
if (py !== undefined) {
  table(
    `\n### Python's multiprocessing.Pool (python3 subprocess, same run, ${MAP_ITEMS.toLocaleString("en")} items, ${CORES} processes)\n`,
  );
  table("| Python | items/s |\n| --- | ---: |");
  table(`| apply_async one by one | ${rate(py.apply_async!)} |`);
  table(`| map(chunksize=1) | ${rate(py.map_chunksize_1!)} |`);
  table(
    `| map (default chunksize), best / mean of 5 | ${rate(py.map_default_chunksize!)} / ${rate(py.map_default_chunksize_mean!)} |`,
  );
  table(
    `| sabkit Pool.map (automatic chunksize), best / mean of 5, just after | ${rate(ours.best)} / ${rate(ours.mean)} (${(ours.best / py.map_default_chunksize!).toFixed(2)}× / ${(ours.mean / py.map_default_chunksize_mean!).toFixed(2)}× Python) |`,
  );
}
recordTables("pool", tables.join("\n"));
