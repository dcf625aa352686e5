/**
 * The consumer matrix: one test per case × package manager × run (see
 * README.md). Packing happens once; each case × package manager gets one
 * fresh project and one install, shared by its runs. Two tests run at a time
 * (vitest.config.ts): installs wait on the network and the disk, runs on the
 * two cores.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { type Case, loadCases, type Manager, matrix, selected } from "../src/cases.js";
import { consumerEnv } from "../src/env.js";
import { type CommandResult, runCommand } from "../src/exec.js";
import { enginesFloor, floorNode } from "../src/floor.js";
import { manifestProblems } from "../src/manifest.js";
import { type Packed, packAll } from "../src/pack.js";
import { checkIsolated, createProject, type Project } from "../src/project.js";
import {
  describeCommand,
  diffLines,
  type InstallRow,
  type SummaryRow,
  summary,
} from "../src/report.js";
import { resolveStep } from "../src/runtimes.js";
import { catalog } from "../src/workspace.js";

const started = performance.now();
const pattern = process.env.SABKIT_CONSUMERS_ONLY;
const keep = process.env.SABKIT_CONSUMERS_KEEP === "1";
const entries = selected(matrix(loadCases()), pattern, ["pack/manifests", "bundle-sizes"]);
const checkManifests =
  pattern === undefined || pattern === "" || new RegExp(pattern).test("pack/manifests");

const root = realpathSync(mkdtempSync(join(tmpdir(), "sabkit-consumers-")));
const rows: SummaryRow[] = [];
const installs: InstallRow[] = [];

interface Setup {
  readonly packed: Packed;
  readonly versions: ReadonlyMap<string, string>;
}
let setupOnce: Promise<Setup> | undefined;
function setup(): Promise<Setup> {
  setupOnce ??= (async () => {
    checkIsolated(root);
    return { packed: await packAll(join(root, "tarballs")), versions: catalog() };
  })();
  return setupOnce;
}

let floorOnce: Promise<string> | undefined;
/** The oldest Node the packed packages' engines field allows, fetched once per run. */
function enginesFloorNode(): Promise<string> {
  floorOnce ??= setup().then(({ packed }) =>
    floorNode(enginesFloor(packed.tarballs.values()), join(root, "cache")),
  );
  return floorOnce;
}

const projects = new Map<string, Promise<Project>>();
function project(c: Case, manager: Manager): Promise<Project> {
  const key = `${c.name}/${manager}`;
  let made = projects.get(key);
  if (made === undefined) {
    made = setup().then(async ({ packed, versions }) => {
      const p = await createProject(c, manager, { root, packed, versions });
      installs.push({
        project: key,
        passed: p.install.code === 0,
        seconds: p.install.ms / 1000,
      });
      return p;
    });
    projects.set(key, made);
  }
  return made;
}

/** An Error whose report is its message alone (the harness's stack says nothing about the case). */
function caseError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

const expectedText = (lines: readonly string[]): string =>
  lines.length === 0 ? "" : `${lines.join("\n")}\n`;

if (checkManifests) {
  test("pack/manifests: each packed package.json names published versions and files it ships", async () => {
    const t0 = performance.now();
    const { packed } = await setup();
    const problems = [...packed.tarballs.values()].flatMap(manifestProblems);
    rows.push({
      case: "pack",
      manager: "-",
      runtime: "manifests",
      passed: problems.length === 0,
      seconds: (performance.now() - t0) / 1000,
    });
    if (problems.length > 0) {
      throw caseError(
        `${problems.length} problems in the packed manifests (tarballs in ${packed.dir}):\n` +
          problems.map((p) => `  ${p}`).join("\n"),
      );
    }
  });
}

/** The bundle-size check (files in cases/bundle-sizes, which has no case.json: its output is sizes, not an exact text). */
const sizesCase: Case = {
  name: "bundle-sizes",
  description:
    "Lock alone, Queue alone, Pool and everything, bundled from the packed sabkit by esbuild --bundle --minify",
  managers: ["npm"],
  filesFrom: [],
  dependencies: ["sabkit"],
  devDependencies: ["esbuild"],
  packageJson: {},
  runs: [],
  expected: [],
  timeoutMs: 90_000,
};
const checkSizes =
  pattern === undefined || pattern === "" || new RegExp(pattern).test("bundle-sizes");
let sizesTable: string | undefined;

interface BundleSize {
  readonly bytes: number;
  readonly gzip: number;
  /** Files of installed packages in the bundle, e.g. "@sabkit/lock/dist/lock.js". */
  readonly inputs: readonly string[];
}

if (checkSizes) {
  test("bundle-sizes: what a page that imports one primitive pays (tree-shaking works)", async () => {
    const t0 = performance.now();
    const p = await project(sizesCase, "npm");
    if (p.install.code !== 0) throw caseError(`the install failed:\n${describeCommand(p.install)}`);
    const result = await runCommand([process.execPath, "sizes.mjs"], {
      cwd: p.dir,
      env: consumerEnv(),
      envShown: {},
      timeoutMs: sizesCase.timeoutMs,
    });
    rows.push({
      case: "bundle-sizes",
      manager: "npm",
      runtime: "esbuild --minify",
      passed: result.code === 0,
      seconds: (performance.now() - t0) / 1000,
    });
    if (result.code !== 0) throw caseError(`sizes.mjs failed:\n${describeCommand(result)}`);
    const sizes = JSON.parse(result.stdout) as Record<
      "lock" | "queue" | "pool" | "all",
      BundleSize
    >;
    const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
    sizesTable = [
      "bundle sizes (esbuild --bundle --minify, from the packed packages):",
      ...(["lock", "queue", "pool", "all"] as const).map(
        (name) =>
          `  ${{ lock: "Lock alone", queue: "Queue alone", pool: "Pool", all: "everything" }[name].padEnd(12)}` +
          `${kB(sizes[name].bytes).padStart(9)} minified, ${kB(sizes[name].gzip).padStart(8)} gzip`,
      ),
    ].join("\n");
    const holds = (name: keyof typeof sizes, prefix: string) =>
      sizes[name].inputs.some((file) => file.startsWith(prefix));
    // Each bundle holds what it uses and not its neighbours: unbundled packages
    // free of side effects (but their register entries) let the bundler drop them.
    expect(holds("lock", "@sabkit/lock/dist/lock.js")).toBe(true);
    expect(holds("lock", "@sabkit/lock/dist/condition.js")).toBe(false);
    expect(holds("lock", "@sabkit/lock/dist/rwlock.js")).toBe(false);
    expect(holds("lock", "@sabkit/core/dist/codec/")).toBe(false);
    expect(holds("queue", "@sabkit/queue/dist/queue.js")).toBe(true);
    expect(holds("queue", "@sabkit/queue/dist/ring-buffer.js")).toBe(false);
    for (const other of ["@sabkit/lock/", "@sabkit/pool/", "@sabkit/process/", "@sabkit/shared/"]) {
      expect(holds("queue", other), other).toBe(false);
    }
    expect(holds("pool", "@sabkit/shared/")).toBe(false);
    expect(holds("pool", "@sabkit/pipe/")).toBe(false);
    expect(sizes.lock.bytes).toBeLessThan(sizes.queue.bytes);
    expect(sizes.queue.bytes).toBeLessThan(sizes.pool.bytes);
    expect(sizes.pool.bytes).toBeLessThan(sizes.all.bytes);
  });
}

for (const entry of entries) {
  const { case: c, manager, run } = entry;
  test.concurrent(
    `${entry.id}: ${c.description}`,
    async () => {
      const p = await project(c, manager);
      const results: CommandResult[] = [];
      let problem: string | undefined;
      if (p.install.code !== 0 || p.install.timedOut || p.install.spawnError !== undefined) {
        problem = `the install failed`;
      } else {
        for (const [i, step] of run.steps.entries()) {
          let resolved: Awaited<ReturnType<typeof resolveStep>>;
          try {
            resolved = await resolveStep(step, manager, join(root, "cache"), enginesFloorNode);
          } catch (error) {
            problem = `step ${i + 1} of ${run.steps.length} could not be prepared: ${error instanceof Error ? error.message : error}`;
            break;
          }
          const result = await runCommand(resolved.argv, {
            cwd: p.dir,
            env: consumerEnv(resolved.env),
            envShown: resolved.env,
            timeoutMs: c.timeoutMs,
          });
          results.push(result);
          if (result.code !== 0 || result.timedOut || result.spawnError !== undefined) {
            problem = `step ${i + 1} of ${run.steps.length} failed`;
            break;
          }
        }
      }
      const expected = expectedText(run.expected ?? c.expected);
      const last = results.at(-1);
      if (problem === undefined && last !== undefined && last.stdout !== expected) {
        problem = "stdout differs from the expected text";
      }
      rows.push({
        case: c.name,
        manager,
        runtime: run.runtime,
        passed: problem === undefined,
        seconds: results.reduce((s, r) => s + r.ms, 0) / 1000,
      });
      if (problem === undefined) return;

      const installOk = p.install.code === 0 && !p.install.timedOut;
      const report = [
        `${entry.id}: ${problem}`,
        `case: ${c.description}`,
        `project: ${p.dir}${keep ? "" : " (removed after the run; SABKIT_CONSUMERS_KEEP=1 keeps it)"}`,
        `dependencies: ${Object.keys(p.packageJson.dependencies as object).join(", ") || "none"}` +
          `; devDependencies: ${Object.keys(p.packageJson.devDependencies as object).join(", ") || "none"}`,
        installOk
          ? `install: ${p.install.argv.join(" ")} (ok, ${(p.install.ms / 1000).toFixed(1)} s)`
          : `install:\n${describeCommand(p.install)}`,
        ...(results.length > 0 ? ["commands:", ...results.map(describeCommand)] : []),
        ...(last !== undefined && last.stdout !== expected
          ? [
              "stdout of the last command against the expected text (- expected, + actual):",
              diffLines(expected, last.stdout)
                .split("\n")
                .map((line) => `  ${line}`)
                .join("\n"),
            ]
          : []),
      ];
      throw caseError(report.join("\n"));
    },
    // The harness bounds every command itself (install 240 s, each step
    // timeoutMs); this only catches a harness bug.
    30 * 60_000,
  );
}

afterAll(async () => {
  // Every project's install ends (it has its own bound) before the folder goes.
  await Promise.allSettled(projects.values());
  const packSeconds =
    setupOnce === undefined ? 0 : ((await setupOnce.catch(() => undefined))?.packed.ms ?? 0);
  console.log(summary(rows, installs, packSeconds / 1000, (performance.now() - started) / 1000));
  if (sizesTable !== undefined) console.log(sizesTable);
  if (keep) console.log(`consumer projects kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
}, 300_000);
