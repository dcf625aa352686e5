/** Text output of the CLI: the live progress display and the summary table. */
import type { PipelineResult, Progress } from "./pipeline.js";
import { summaryHeader, summaryRows } from "./pipeline.js";

const MB = 2 ** 20;
const BAR_WIDTH = 28;

/** A Markdown table (readable in a terminal and pasteable into a README). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function summaryTable(results: PipelineResult[]): string {
  return markdownTable(summaryHeader(results), summaryRows(results));
}

/** Per-stage rates from consecutive snapshots, smoothed so the display does not flicker. */
class Rates {
  #last: Progress | undefined;
  #rates = [0, 0, 0];

  update(p: Progress): number[] {
    const last = this.#last;
    if (last && last.pipeline === p.pipeline && p.elapsedMs > last.elapsedMs) {
      const seconds = (p.elapsedMs - last.elapsedMs) / 1000;
      const now = [
        p.readBytes - last.readBytes,
        p.countedBytes - last.countedBytes,
        p.mergedBytes - last.mergedBytes,
      ];
      this.#rates = this.#rates.map((r, i) => 0.6 * r + (0.4 * now[i]!) / MB / seconds);
    } else {
      this.#rates = [0, 0, 0];
    }
    this.#last = p;
    return this.#rates;
  }
}

function bar(fraction: number): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
  return `${"█".repeat(full)}${"░".repeat(BAR_WIDTH - full)}`;
}

function stageLines(p: Progress, rates: number[]): string[] {
  const queue = (name: string) => {
    const q = p.queues.find((x) => x.name === name);
    if (!q) return "";
    return `${name} queue ${q.depth}${q.bound === undefined ? "" : `/${q.bound}`}`;
  };
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1).padStart(7)} MB`;
  const rate = (r: number) => `${r.toFixed(0).padStart(5)} MB/s`;
  const firstQueue = p.queues[0]
    ? `${p.queues[0].name} ${p.queues[0].depth}${p.queues[0].bound === undefined ? "" : `/${p.queues[0].bound}`}`
    : "";
  const queueOf = (index: number) => (p.queues[index] ? queue(p.queues[index].name) : "");
  return [
    `  reader    ${mb(p.readBytes)} ${rate(rates[0]!)}   ${p.queues.length > 1 ? queueOf(0) : firstQueue}`,
    `  counters  ${mb(p.countedBytes)} ${rate(rates[1]!)}   ${p.queues.length > 1 ? queueOf(1) : ""}`,
    `  reducer   ${mb(p.mergedBytes)} ${rate(rates[2]!)}`,
  ];
}

/**
 * The live display. On a terminal it redraws its lines in place (cursor up,
 * clear line); otherwise it prints one plain line per second.
 */
export class ProgressDisplay {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #rates = new Rates();
  #drawn = 0;
  #lastPlain = -Infinity;
  #pipeline = "";

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  update = (p: Progress): void => {
    if (p.pipeline !== this.#pipeline) {
      this.#pipeline = p.pipeline;
      this.#drawn = 0;
      this.#lastPlain = -Infinity;
    }
    const rates = this.#rates.update(p);
    // The bar follows the counters (the sabkit reducer merges in steps of FLUSH_BYTES).
    const fraction = p.totalBytes === 0 ? 1 : p.countedBytes / p.totalBytes;
    const head = `${p.pipeline.padEnd(28)} ${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${(p.elapsedMs / 1000).toFixed(1)} s`;
    if (this.#tty) {
      const lines = [head, ...stageLines(p, rates)];
      const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
      this.#out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
      this.#drawn = lines.length;
      return;
    }
    const done = p.mergedBytes === p.totalBytes;
    if (!done && p.elapsedMs - this.#lastPlain < 1000) return;
    this.#lastPlain = p.elapsedMs;
    const queues = p.queues
      .map((q) => `${q.name} ${q.depth}${q.bound === undefined ? "" : `/${q.bound}`}`)
      .join(", ");
    this.#out.write(
      `${p.pipeline}: ${(fraction * 100).toFixed(0)}% at ${(p.elapsedMs / 1000).toFixed(1)} s — ` +
        `read ${(p.readBytes / MB).toFixed(1)} MB, counted ${(p.countedBytes / MB).toFixed(1)} MB, merged ${(p.mergedBytes / MB).toFixed(1)} MB` +
        `${queues ? `; queues: ${queues}` : ""}\n`,
    );
  };
}
