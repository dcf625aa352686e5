/**
 * The browser page: the same pipelines as `pnpm demo` (src/pipeline.ts), in
 * Web Workers, with a live throughput chart on a plain canvas and the summary
 * table at the end. Query parameters `size`, `seed`, `workers` preset the form;
 * `auto=1` runs at once. The outcome is also published on `globalThis.__demo`
 * for the end-to-end test.
 */

import { generateCorpus, splitChunks } from "../src/corpus.js";
import { type CountSummary, warmUp } from "../src/count.js";
import {
  type PipelineResult,
  PROGRESS_INTERVAL_MS,
  type Progress,
  runPostMessage,
  runSabkit,
  runSingleThread,
  sameSummary,
  summaryHeader,
  summaryRows,
} from "../src/pipeline.js";
import { webPlatform } from "./platform.js";
import { type TimeAxis, timeAxis } from "./time-axis.js";

export interface DemoState {
  state: "idle" | "running" | "done" | "error" | "not-isolated";
  results?: PipelineResult[];
  summary?: CountSummary;
  agree?: boolean;
  error?: string;
  /** The chart's time axis as last drawn. */
  timeAxis?: TimeAxis;
}

const demo: DemoState = { state: "idle" };
(globalThis as { __demo?: DemoState }).__demo = demo;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const MB = 2 ** 20;
const CHUNK_BYTES = 1 << 20;
const COLORS: Record<string, string> = {};
const PALETTE = ["#2563eb", "#d97706", "#6b7280"];

// -- chart --------------------------------------------------------------------

type Sample = Pick<Progress, "elapsedMs" | "countedBytes">;

interface Point {
  /** Time on the pipeline's clock. */
  ms: number;
  /** Counting rate in MB/s, smoothed. */
  rate: number;
  /** The sample its rate was measured from. */
  from: Sample;
  /** The smoothed rate before it. */
  before: number;
}

interface Series {
  name: string;
  color: string;
  points: Point[];
  /** The sample the next rate is measured from. */
  last: Sample;
  smoothed: number;
}

/**
 * Shortest window a point's rate is measured over (but the whole run, when
 * that is shorter). The last sample comes as the clock stops, often a few ms
 * after a timed one: a rate over those few ms is a spike or a drop that says
 * nothing (one chunk more or less), so such a sample widens the last point's
 * window instead of adding a point.
 */
const MIN_WINDOW_MS = PROGRESS_INTERVAL_MS / 2;

/**
 * Where every pipeline's clock starts: nothing counted yet. Measuring the
 * first rate from it gives a run shorter than one progress interval (whose
 * only sample is the last one) a point too, instead of an empty chart.
 */
const CLOCK_START = { elapsedMs: 0, countedBytes: 0 } as const;

const series: Series[] = [];
/** Measured times of the pipelines that have finished, so the axis spans them all. */
const finishedMs: number[] = [];

function track(progress: Progress): void {
  let s = series.find((x) => x.name === progress.pipeline);
  if (!s) {
    COLORS[progress.pipeline] ??= PALETTE[series.length % PALETTE.length]!;
    s = {
      name: progress.pipeline,
      color: COLORS[progress.pipeline]!,
      points: [],
      last: CLOCK_START,
      smoothed: 0,
    };
    series.push(s);
    drawLegend();
  }
  if (progress.elapsedMs < s.last.elapsedMs) {
    // The pipeline's clock started (its workers are up): drop the start-up samples.
    s.points.length = 0;
    s.last = CLOCK_START;
  }
  let from = s.last;
  if (progress.elapsedMs > from.elapsedMs) {
    const end = s.points[s.points.length - 1];
    if (end && progress.elapsedMs - from.elapsedMs < MIN_WINDOW_MS) {
      s.points.pop();
      from = end.from;
      s.smoothed = end.before;
    }
    const rate =
      (progress.countedBytes - from.countedBytes) /
      MB /
      ((progress.elapsedMs - from.elapsedMs) / 1000);
    const before = s.smoothed;
    s.smoothed = s.points.length === 0 ? rate : 0.5 * s.smoothed + 0.5 * rate;
    s.points.push({ ms: progress.elapsedMs, rate: s.smoothed, from, before });
    s.last = progress;
  }
  drawChart();
  showStatus(progress);
}

/**
 * A pipeline finished. Its last sample was taken as its clock stopped, a few
 * microseconds after the measured time: put that point at the measured time,
 * so the chart ends exactly where the table's time column says.
 */
function finish(result: PipelineResult): void {
  finishedMs.push(result.ms);
  const s = series.find((x) => x.name === result.name);
  const end = s?.points[s.points.length - 1];
  if (end) end.ms = result.ms;
  drawChart();
}

function drawLegend(): void {
  $("legend").innerHTML = series
    .map((s) => `<span><i style="background:${s.color}"></i>${s.name}</span>`)
    .join("");
}

function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw;
}

/** Room the chart asks for per time tick (a label like "200 ms" is about 45 px wide). */
const TICK_SPACING_PX = 90;

function drawChart(): void {
  const canvas = $<HTMLCanvasElement>("chart");
  const ratio = window.devicePixelRatio || 1;
  // The CSS size (narrower and lower on a phone); the bitmap matches it in device pixels.
  const width = canvas.clientWidth || 960;
  const height = canvas.clientHeight || 260;
  const bitmapWidth = Math.round(width * ratio);
  const bitmapHeight = Math.round(height * ratio);
  if (canvas.width !== bitmapWidth || canvas.height !== bitmapHeight) {
    canvas.width = bitmapWidth;
    canvas.height = bitmapHeight;
  }
  const g = canvas.getContext("2d");
  if (!g) return;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = "12px system-ui, sans-serif";
  const axis = timeAxis(
    Math.max(0, ...finishedMs, ...series.flatMap((s) => s.points.map((p) => p.ms))),
    // The plot is the canvas less about 70 px of margins: 5 ticks on a phone, 10 on a desktop.
    (width - 70) / TICK_SPACING_PX,
  );
  demo.timeAxis = axis;
  const maxRate = Math.max(10, ...series.flatMap((s) => s.points.map((p) => p.rate))) * 1.1;
  const rateStep = niceStep(maxRate);
  const rateTicks: number[] = [];
  for (let r = 0; r <= maxRate; r += rateStep) rateTicks.push(r);
  // Room for the widest rate label on the left and half the last time label
  // on the right (time labels are centred on their ticks).
  const rateLabelWidth = Math.max(...rateTicks.map((r) => g.measureText(r.toFixed(0)).width));
  const lastLabel = axis.ticks[axis.ticks.length - 1]!.label;
  const left = Math.ceil(rateLabelWidth) + 16;
  const right = width - Math.max(12, Math.ceil(g.measureText(lastLabel).width / 2) + 4);
  const bottom = height - 28;
  // The plot starts below the title, so a line or grid line at the top never crosses it.
  const top = 26;
  const x = (ms: number) => left + (ms / axis.maxMs) * (right - left);
  const y = (rate: number) => bottom - (rate / maxRate) * (bottom - top);
  g.fillStyle = "#6b7280";
  g.strokeStyle = "#e5e7eb";
  g.lineWidth = 1;
  g.textAlign = "right";
  for (const r of rateTicks) {
    g.beginPath();
    g.moveTo(left, y(r));
    g.lineTo(right, y(r));
    g.stroke();
    g.fillText(r.toFixed(0), left - 8, y(r) + 4);
  }
  g.textAlign = "center";
  for (const tick of axis.ticks) {
    g.beginPath();
    g.moveTo(x(tick.ms), bottom);
    g.lineTo(x(tick.ms), bottom + 4);
    g.stroke();
    g.fillText(tick.label, x(tick.ms), height - 8);
  }
  g.textAlign = "left";
  g.fillText("MB/s counted", left + 4, top - 10);
  for (const s of series) {
    if (s.points.length === 0) continue;
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(x(0), y(0));
    for (const p of s.points) g.lineTo(x(p.ms), y(p.rate));
    g.stroke();
  }
}

/** "43 ms" under a second (a short run is not "0.0 s"), "1.5 s" from there on, as the chart's axis. */
function elapsed(ms: number): string {
  return ms < 999.5 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function showStatus(p: Progress): void {
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1).padStart(7)} MB`;
  const queues = p.queues
    .map((q) => `${q.name} ${q.depth}${q.bound === undefined ? "" : `/${q.bound}`}`)
    .join(", ");
  const percent = p.totalBytes ? (100 * p.countedBytes) / p.totalBytes : 100;
  $("status").textContent =
    `${p.pipeline}: ${percent.toFixed(0)}% at ${elapsed(p.elapsedMs)}\n` +
    `  reader   ${mb(p.readBytes)}\n  counters ${mb(p.countedBytes)}\n  reducer  ${mb(p.mergedBytes)}\n` +
    `  queues   ${queues || "(none: one thread)"}`;
}

// -- the run ------------------------------------------------------------------

function showTable(results: PipelineResult[]): void {
  const table = $<HTMLTableElement>("summary");
  const header = summaryHeader(results);
  table.tHead!.rows[0]!.replaceChildren(
    ...header.map((name) => Object.assign(document.createElement("th"), { textContent: name })),
  );
  const body = table.tBodies[0]!;
  body.innerHTML = "";
  for (const row of summaryRows(results)) {
    const tr = document.createElement("tr");
    row.forEach((cell, i) => {
      const td = document.createElement("td");
      td.textContent = cell;
      // The column's name, shown beside the value where the table reflows into one card per row.
      td.dataset.label = header[i];
      if (i >= 1 && i <= 4) td.className = "num";
      if (i === header.length - 1) td.className = cell.startsWith("ok") ? "ok" : "bad";
      tr.append(td);
    });
    body.append(tr);
  }
  table.hidden = false;
}

function numberInput(id: string, fallback: number): number {
  const value = Number($<HTMLInputElement>(id).value);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function run(): Promise<void> {
  const sizeMb = Math.min(512, numberInput("size", 32));
  const seed = Math.floor(Number($<HTMLInputElement>("seed").value) || 0) >>> 0;
  const workers = Math.min(
    64,
    Math.floor(numberInput("workers", navigator.hardwareConcurrency || 2)),
  );
  $<HTMLButtonElement>("run").disabled = true;
  demo.state = "running";
  series.length = 0;
  finishedMs.length = 0;
  drawLegend();
  drawChart();
  $("summary").hidden = true;
  $("words").textContent = "";
  try {
    $("status").textContent = `generating a ${sizeMb} MiB corpus (seed ${seed})…`;
    await new Promise((resolve) => setTimeout(resolve, 0));
    const corpus = new Uint8Array(new SharedArrayBuffer(Math.floor(sizeMb * MB)));
    const words = generateCorpus(corpus, seed);
    const input = { corpus, chunks: splitChunks(corpus, CHUNK_BYTES), workers };
    warmUp(); // this thread counts (single thread) and merges: compile that code first
    const results: PipelineResult[] = [];
    for (const pipeline of [
      () => runSabkit(input, webPlatform, track),
      () => runPostMessage(input, webPlatform, track),
      () => runSingleThread(input, track),
    ]) {
      const result = await pipeline();
      finish(result);
      results.push(result);
    }
    const reference = results[2]!.summary;
    demo.results = results;
    demo.summary = reference;
    demo.agree = results.every((r) => sameSummary(r.summary, reference));
    showTable(results);
    $("words").textContent =
      `${words.toLocaleString("en")} words, ${reference.distinctWords.toLocaleString("en")} distinct. Top 10: ` +
      reference.top.map(([w, c]) => `${w} (${c.toLocaleString("en")})`).join(", ");
    demo.state = "done";
  } catch (error) {
    demo.state = "error";
    demo.error = String((error as Error)?.stack ?? error);
    $("status").textContent = `failed: ${demo.error}`;
    throw error;
  } finally {
    $<HTMLButtonElement>("run").disabled = false;
  }
}

const params = new URLSearchParams(location.search);
for (const id of ["size", "seed", "workers"]) {
  const value = params.get(id);
  if (value !== null) $<HTMLInputElement>(id).value = value;
}
if (!$<HTMLInputElement>("workers").value)
  $<HTMLInputElement>("workers").value = String(navigator.hardwareConcurrency || 2);

if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer !== "function") {
  demo.state = "not-isolated";
  const warning = $("warning");
  warning.hidden = false;
  warning.innerHTML =
    "<strong>This page is not cross-origin isolated</strong>, so the browser does not provide " +
    "<code>SharedArrayBuffer</code> and sabkit cannot run. Serve it with the headers " +
    "<code>Cross-Origin-Opener-Policy: same-origin</code> and <code>Cross-Origin-Embedder-Policy: require-corp</code> " +
    "(<code>pnpm demo:web</code> does).";
  $<HTMLButtonElement>("run").disabled = true;
  $("status").textContent =
    `crossOriginIsolated: ${globalThis.crossOriginIsolated}, SharedArrayBuffer: ${typeof SharedArrayBuffer}`;
} else {
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    void run().catch(() => {});
  });
  // Redrawn at its new size when the width changes (a phone turned, a window resized).
  new ResizeObserver(() => drawChart()).observe($("chart"));
  if (params.get("auto") === "1") void run().catch(() => {});
}
