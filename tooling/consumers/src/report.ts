/**
 * What a failing case shows (every command with its cwd, argv, exit code and
 * the end of its output, and a diff of stdout against the expected text) and
 * the summary table printed after the run.
 */
import type { CommandResult } from "./exec.js";

const TAIL_LINES = 40;

/** The last lines of an output, with a note when some were cut. */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.replace(/\n$/, "").split("\n");
  if (all.length <= lines) return all.join("\n");
  return [`… (${all.length - lines} earlier lines cut)`, ...all.slice(-lines)].join("\n");
}

function indent(text: string, by = "    "): string {
  return text
    .split("\n")
    .map((line) => `${by}${line}`)
    .join("\n");
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function describeCommand(result: CommandResult): string {
  const env = Object.entries(result.envShown)
    .map(([k, v]) => `${k}=${quoteArg(v)} `)
    .join("");
  const status = result.spawnError
    ? `could not start: ${result.spawnError}`
    : result.timedOut
      ? `TIMED OUT after ${(result.ms / 1000).toFixed(1)} s (killed)`
      : `exit ${result.code}${result.signal ? ` (${result.signal})` : ""} in ${(result.ms / 1000).toFixed(1)} s`;
  const parts = [
    `  $ cd ${quoteArg(result.cwd)} && ${env}${result.argv.map(quoteArg).join(" ")}`,
    `    ${status}`,
  ];
  if (result.stdout !== "") parts.push("    stdout:", indent(tail(result.stdout), "      "));
  if (result.stderr !== "") parts.push("    stderr:", indent(tail(result.stderr), "      "));
  return parts.join("\n");
}

/**
 * A line diff (longest common subsequence): `-` expected only, `+` actual
 * only, ` ` both. Outputs here are a few lines; the quadratic table is fine.
 */
export function diffLines(expected: string, actual: string): string {
  const lines = (text: string): string[] =>
    text === "" ? [] : text.replace(/\n$/, "").split("\n");
  const a = lines(expected);
  const b = lines(actual);
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(`- ${a[i]}`); // expected lines first, as a unified diff shows them
      i++;
    } else {
      out.push(`+ ${b[j]}`);
      j++;
    }
  }
  return out.join("\n");
}

export interface SummaryRow {
  readonly case: string;
  readonly manager: string;
  readonly runtime: string;
  readonly passed: boolean;
  /** Seconds of the run's own commands (the install is counted apart). */
  readonly seconds: number;
}

export interface InstallRow {
  readonly project: string;
  readonly passed: boolean;
  readonly seconds: number;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

export function summary(
  rows: readonly SummaryRow[],
  installs: readonly InstallRow[],
  packSeconds: number,
  totalSeconds: number,
): string {
  const sorted = [...rows].sort(
    (x, y) =>
      x.case.localeCompare(y.case) ||
      x.manager.localeCompare(y.manager) ||
      x.runtime.localeCompare(y.runtime),
  );
  const passed = rows.filter((r) => r.passed).length;
  const installSeconds = installs.reduce((s, r) => s + r.seconds, 0);
  return [
    "consumer matrix",
    "",
    table(
      ["case", "pm", "runtime", "result", "s"],
      sorted.map((r) => [
        r.case,
        r.manager,
        r.runtime,
        r.passed ? "pass" : "FAIL",
        r.seconds.toFixed(1),
      ]),
    ),
    "",
    table(
      ["install", "result", "s"],
      [...installs]
        .sort((x, y) => x.project.localeCompare(y.project))
        .map((r) => [r.project, r.passed ? "ok" : "FAILED", r.seconds.toFixed(1)]),
    ),
    "",
    // Not "N passed, M failed": CI reads lines of that form as a test runner's verdict.
    `${passed} of ${rows.length} runs passed; pack ${packSeconds.toFixed(1)} s, ` +
      `${installs.length} installs ${installSeconds.toFixed(1)} s (summed), total ${totalSeconds.toFixed(1)} s`,
  ].join("\n");
}
