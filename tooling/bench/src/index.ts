/**
 * sabkit's benchmark harness: every figure is printed beside a baseline
 * measured in the same run, as a ratio. Timing comes from tinybench (warm-up,
 * overhead correction, 95% margin of error); this module adds per-case
 * setup/teardown (workers to start and stop), operations-per-call for batch
 * cases, and one markdown table per group that can be pasted into a README.
 *
 * ```ts
 * await runBench("wait layer", [{
 *   title: "wake-up round trip between two threads",
 *   baseline: "MessageChannel ping-pong",
 *   cases: [
 *     { name: "MessageChannel ping-pong", setup, teardown, run: () => pingPong() },
 *     { name: "notify + waitSync", setup, teardown, run: () => roundTrip() },
 *   ],
 * }]);
 * ```
 *
 * `SABKIT_BENCH_TIME` (ms per case, default 1000) trades precision for time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Bench } from "tinybench";

export interface BenchCase {
  name: string;
  /** How many operations one call of `run` performs (default 1); rates are per operation. */
  ops?: number;
  /** Runs once before the case is timed (start workers, fill buffers). */
  setup?: () => unknown;
  /** Runs once after the case is timed. */
  teardown?: () => unknown;
  /** One timed call. May return a promise. */
  run: () => unknown;
}

export interface BenchGroup {
  title: string;
  /** Name of the case the others are compared with (default: the first). */
  baseline?: string;
  cases: BenchCase[];
  /** Time per case in ms (default `SABKIT_BENCH_TIME` or 1000). */
  timeMs?: number;
  /** A sentence printed under the table: what the scenario is, what is measured. */
  note?: string;
  /**
   * Minimum timed calls per case (tinybench's default is 64, plus 16 warm-up
   * calls): lower it for cases that take many milliseconds each.
   */
  iterations?: number;
}

export interface CaseResult {
  name: string;
  /** Mean time per operation in nanoseconds. */
  nsPerOp: number;
  /** Operations per second. */
  opsPerSecond: number;
  /** Relative margin of error of the mean, percent. */
  rme: number;
  samples: number;
  /** Baseline time per op divided by this case's: > 1 is faster than the baseline. */
  speedup: number;
}

export interface GroupResult {
  title: string;
  baseline: string;
  results: CaseResult[];
  note?: string;
}

function benchTimeMs(): number {
  const raw = process.env.SABKIT_BENCH_TIME;
  const value = raw ? Number(raw) : 1000;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`SABKIT_BENCH_TIME must be a positive number of ms, got "${raw}"`);
  }
  return value;
}

async function measure(
  benchCase: BenchCase,
  timeMs: number,
  iterations: number | undefined,
): Promise<Omit<CaseResult, "speedup">> {
  await benchCase.setup?.();
  try {
    const bench = new Bench({
      time: timeMs,
      warmupTime: Math.min(250, timeMs / 4),
      ...(iterations === undefined
        ? {}
        : { iterations, warmupIterations: Math.max(1, Math.ceil(iterations / 4)) }),
      throws: true,
    });
    bench.add(benchCase.name, benchCase.run as () => unknown);
    await bench.run();
    const result = bench.tasks[0]?.result;
    if (!result || !("latency" in result)) {
      throw new Error(`benchmark "${benchCase.name}" produced no result (state ${result?.state})`);
    }
    const ops = benchCase.ops ?? 1;
    const nsPerOp = (result.latency.mean * 1e6) / ops;
    return {
      name: benchCase.name,
      nsPerOp,
      opsPerSecond: 1e9 / nsPerOp,
      rme: result.latency.rme,
      samples: result.latency.samplesCount,
    };
  } finally {
    await benchCase.teardown?.();
  }
}

function formatTime(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(1)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

function formatRatio(speedup: number): string {
  return `${speedup.toFixed(2)}×`;
}

/** One group as a markdown table. */
export function formatGroup(group: GroupResult): string {
  const lines = [
    `### ${group.title}`,
    "",
    `| case | time/op | ops/s | ±% | vs ${group.baseline} |`,
    "| --- | ---: | ---: | ---: | ---: |",
    ...group.results.map(
      (r) =>
        `| ${r.name} | ${formatTime(r.nsPerOp)} | ${formatRate(r.opsPerSecond)} | ` +
        `${r.rme.toFixed(1)} | ${r.name === group.baseline ? "baseline" : formatRatio(r.speedup)} |`,
    ),
  ];
  if (group.note) lines.push("", group.note);
  return lines.join("\n");
}

/** Measures one group: every case in turn, then ratios against the baseline. */
export async function measureGroup(group: BenchGroup): Promise<GroupResult> {
  const timeMs = group.timeMs ?? benchTimeMs();
  const baseline = group.baseline ?? group.cases[0]?.name;
  if (!baseline || !group.cases.some((c) => c.name === baseline)) {
    throw new Error(`group "${group.title}": baseline "${baseline}" is not one of its cases`);
  }
  const measured = [];
  for (const benchCase of group.cases)
    measured.push(await measure(benchCase, timeMs, group.iterations));
  const base = measured.find((r) => r.name === baseline)!;
  return {
    title: group.title,
    baseline,
    note: group.note,
    results: measured.map((r) => ({ ...r, speedup: base.nsPerOp / r.nsPerOp })),
  };
}

/**
 * Runs a suite of groups, prints each table as it completes, and writes the
 * results as JSON to `.bench-results/<suite>.json` in the working directory.
 */
export async function runBench(suite: string, groups: BenchGroup[]): Promise<GroupResult[]> {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `## ${suite}\n\nNode ${process.version}, ${cpus().length} × ${cpu}, ${benchTimeMs()} ms per case\n`,
  );
  const results: GroupResult[] = [];
  for (const group of groups) {
    const result = await measureGroup(group);
    results.push(result);
    console.log(`${formatGroup(result)}\n`);
  }
  mkdirSync(".bench-results", { recursive: true });
  const file = `${resultsBase(suite)}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ suite, node: process.version, cpu, results }, null, 2)}\n`,
  );
  return results;
}

/** `.bench-results/<suite>` without the extension: where a suite's results go. */
function resultsBase(suite: string): string {
  return `.bench-results/${suite.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
}

/**
 * Records markdown tables a suite measured outside {@link runBench} (one-shot
 * runs, a Python subprocess) so that `pnpm bench:report` puts them in
 * BENCHMARKS.md after the suite's groups. Call it after `runBench`; each
 * call replaces what the last one recorded.
 */
export function recordTables(suite: string, markdown: string): void {
  mkdirSync(".bench-results", { recursive: true });
  writeFileSync(`${resultsBase(suite)}.tables.md`, `${markdown.trim()}\n`);
}

/**
 * Runs `fn` `runs` times and returns each run's time in milliseconds: the
 * loop of a standalone micro-benchmark (outside {@link runBench}), read with
 * {@link medianOf} and `Math.min`.
 */
export function timeRuns(runs: number, fn: () => void): number[] {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times;
}

/** The median of `times` (the upper one of an even count). */
export function medianOf(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
