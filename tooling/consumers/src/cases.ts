/**
 * The cases: one folder each under cases/, holding a case.json (what to
 * install, what to run, what it must print) and the program files copied
 * into the consumer project. Folders without a case.json (cases/common/…)
 * hold files that several cases share.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CASES_DIR } from "./workspace.js";

export type Manager = "npm" | "pnpm";
export const MANAGERS: readonly Manager[] = ["npm", "pnpm"];

export interface ReadmeBlock {
  /** A string only the wanted ```ts block contains. */
  readonly contains: string;
  /** The file it is written to in the consumer project. */
  readonly to: string;
}

export interface Run {
  /** The runtime column of the summary ("node", "tsx (npx)", "deno", "tsc", …). */
  readonly runtime: string;
  /**
   * Commands, in order; each must exit 0 and the last one's stdout must be
   * the expected text. `{pm}` is the case's package manager; a leading
   * `deno` or `bun` is the binary installed with this package.
   */
  readonly steps: readonly (readonly string[])[];
  /** This run's own expected stdout lines, when they differ from the case's. */
  readonly expected?: readonly string[];
}

export interface Case {
  readonly name: string;
  readonly description: string;
  readonly managers: readonly Manager[];
  /** Folders under cases/ copied into the project before the case's own files. */
  readonly filesFrom: readonly string[];
  /** README examples written into the project: the package's README as packed, or "." for the repo's README. */
  readonly readme?: {
    readonly package: string;
    readonly blocks: readonly ReadmeBlock[];
    /** Install what the README's `npm install` line(s) name. */
    readonly installLine?: boolean;
  };
  /** sabkit packages to install (besides a README's install line). */
  readonly dependencies: readonly string[];
  /** Registry packages, at the catalog's versions. */
  readonly devDependencies: readonly string[];
  /** Fields merged into the generated package.json (scripts, type). */
  readonly packageJson: Readonly<Record<string, unknown>>;
  readonly runs: readonly Run[];
  /** Expected stdout of every run's last step, one string per line; [] = no output at all. */
  readonly expected: readonly string[];
  /** Bound of each command of a run (installs have their own). */
  readonly timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 90_000;

function fail(name: string, message: string): never {
  throw new Error(`cases/${name}/case.json: ${message}`);
}

function stringArray(name: string, value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    fail(name, `${what} must be an array of strings`);
  }
  return value as string[];
}

function parseCase(name: string, raw: Record<string, unknown>): Case {
  if (typeof raw.description !== "string" || raw.description === "") {
    fail(name, "description is required");
  }
  const managers = stringArray(name, raw.managers, "managers");
  if (managers.length === 0 || managers.some((m) => !MANAGERS.includes(m as Manager))) {
    fail(name, `managers must name some of ${MANAGERS.join(", ")}`);
  }
  if (!Array.isArray(raw.runs) || raw.runs.length === 0)
    fail(name, "runs must be a non-empty array");
  const runs: Run[] = raw.runs.map((run: Record<string, unknown>, i: number) => {
    if (typeof run.runtime !== "string") fail(name, `runs[${i}].runtime must be a string`);
    if (
      !Array.isArray(run.steps) ||
      run.steps.length === 0 ||
      run.steps.some((s: unknown) => !Array.isArray(s) || s.length === 0)
    ) {
      fail(name, `runs[${i}].steps must be a non-empty array of argv arrays`);
    }
    const steps = (run.steps as unknown[]).map((s, j) =>
      stringArray(name, s, `runs[${i}].steps[${j}]`),
    );
    return {
      runtime: run.runtime,
      steps,
      ...(run.expected === undefined
        ? {}
        : { expected: stringArray(name, run.expected, `runs[${i}].expected`) }),
    };
  });
  const runtimes = runs.map((r) => r.runtime);
  if (new Set(runtimes).size !== runtimes.length)
    fail(name, "two runs have the same runtime label");
  if (!Array.isArray(raw.expected) && runs.some((r) => r.expected === undefined)) {
    fail(name, "expected (stdout lines) is required unless every run has its own");
  }
  const readme = raw.readme as Case["readme"] | undefined;
  if (readme !== undefined) {
    if (typeof readme.package !== "string") fail(name, "readme.package must be a string");
    if (!Array.isArray(readme.blocks) || readme.blocks.length === 0) {
      fail(name, "readme.blocks must list the blocks to write");
    }
  }
  return {
    name,
    description: raw.description as string,
    managers: managers as Manager[],
    filesFrom: stringArray(name, raw.filesFrom, "filesFrom"),
    ...(readme === undefined ? {} : { readme }),
    dependencies: stringArray(name, raw.dependencies, "dependencies"),
    devDependencies: stringArray(name, raw.devDependencies, "devDependencies"),
    packageJson: (raw.packageJson as Record<string, unknown> | undefined) ?? {},
    runs,
    expected: stringArray(name, raw.expected, "expected"),
    timeoutMs: typeof raw.timeoutMs === "number" ? raw.timeoutMs : DEFAULT_TIMEOUT_MS,
  };
}

export function loadCases(): Case[] {
  const cases: Case[] = [];
  for (const entry of readdirSync(CASES_DIR, { withFileTypes: true })) {
    const file = join(CASES_DIR, entry.name, "case.json");
    if (!entry.isDirectory() || !existsSync(file)) continue;
    cases.push(parseCase(entry.name, JSON.parse(readFileSync(file, "utf8"))));
  }
  return cases.sort((a, b) => a.name.localeCompare(b.name));
}

/** One row of the matrix: a case, a package manager, a run. */
export interface MatrixEntry {
  readonly id: string;
  readonly case: Case;
  readonly manager: Manager;
  readonly run: Run;
}

export function matrix(cases: readonly Case[]): MatrixEntry[] {
  return cases.flatMap((c) =>
    c.managers.flatMap((manager) =>
      c.runs.map((run) => ({ id: `${c.name}/${manager}/${run.runtime}`, case: c, manager, run })),
    ),
  );
}

/**
 * SABKIT_CONSUMERS_ONLY=<regexp>: the entries whose id (`case/manager/runtime`)
 * it matches. A pattern that matches nothing (neither an entry nor one of the
 * `otherIds`, checks that are not cases) is an error, not an empty run.
 */
export function selected(
  entries: readonly MatrixEntry[],
  pattern: string | undefined,
  otherIds: readonly string[] = [],
): MatrixEntry[] {
  if (pattern === undefined || pattern === "") return [...entries];
  const re = new RegExp(pattern);
  const chosen = entries.filter((e) => re.test(e.id));
  if (chosen.length === 0 && !otherIds.some((id) => re.test(id))) {
    throw new Error(
      `SABKIT_CONSUMERS_ONLY=${pattern} matches none of:\n${[...entries.map((e) => e.id), ...otherIds].map((id) => `  ${id}`).join("\n")}`,
    );
  }
  return chosen;
}
