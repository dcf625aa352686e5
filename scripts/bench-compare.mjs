#!/usr/bin/env node
/**
 * Before/after benchmarks in one run, for a change meant to keep speed as it
 * was (a restructuring): runs each package's `pnpm bench` in a checkout of
 * the base and in this checkout, alternating (base, this, base, this, ...),
 * and prints every case's time per operation on both sides with their ratio.
 *
 *   node scripts/bench-compare.mjs --base ../sabkit-before [--rounds 2] [lock queue ...]
 *
 * `--base` is a checkout of the code before the change, installed and built
 * (`git worktree add ../sabkit-before <ref> && cd ../sabkit-before &&
 * pnpm install --frozen-lockfile && pnpm build`). Without package names every
 * package with a `bench` script is run. `SABKIT_BENCH_TIME` (ms per case) is
 * passed through. Run it on a quiet machine: alternating the two sides spreads
 * drift over both, and the spread of each side's own rounds is printed beside
 * the ratio as the noise a difference must exceed to mean anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { base: { type: "string" }, rounds: { type: "string", default: "2" } },
  allowPositionals: true,
});
if (!values.base) {
  console.error(
    "usage: node scripts/bench-compare.mjs --base <checkout> [--rounds N] [package ...]",
  );
  process.exit(2);
}
const sides = { before: resolve(values.base), after: resolve(import.meta.dirname, "..") };
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer, got "${values.rounds}"`);
  process.exit(2);
}

function benchPackages(root) {
  return readdirSync(join(root, "packages"))
    .filter((name) => {
      const file = join(root, "packages", name, "package.json");
      return existsSync(file) && JSON.parse(readFileSync(file, "utf8")).scripts?.bench;
    })
    .sort();
}
const packages = positionals.length > 0 ? positionals : benchPackages(sides.after);

/** Runs one package's bench on one side; returns its results keyed "group / case". */
function runOnce(side, name) {
  const dir = join(sides[side], "packages", name);
  const resultsDir = join(dir, ".bench-results");
  rmSync(resultsDir, { recursive: true, force: true });
  const run = spawnSync("pnpm", ["run", "bench"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (run.status !== 0) throw new Error(`${side}: ${name} bench exited with ${run.status}`);
  const nsPerOp = new Map();
  for (const file of readdirSync(resultsDir).filter((f) => f.endsWith(".json"))) {
    for (const group of JSON.parse(readFileSync(join(resultsDir, file), "utf8")).results) {
      for (const result of group.results)
        nsPerOp.set(`${group.title} / ${result.name}`, result.nsPerOp);
    }
  }
  return nsPerOp;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** How far one side's rounds lie apart, relative to their median. */
const spread = (xs) => (xs.length < 2 ? 0 : (Math.max(...xs) - Math.min(...xs)) / median(xs));
const format = (ns) =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
      ? `${(ns / 1e3).toFixed(2)} µs`
      : `${ns.toFixed(1)} ns`;

const lines = [
  "| case | before | after | after/before time | noise (rounds' spread) |",
  "|---|---|---|---|---|",
];
let outside = 0;
for (const name of packages) {
  const seen = { before: new Map(), after: new Map() };
  for (let round = 0; round < rounds; round++) {
    for (const side of ["before", "after"]) {
      console.error(`round ${round + 1}/${rounds}: ${name} (${side})`);
      for (const [key, ns] of runOnce(side, name)) {
        if (!seen[side].has(key)) seen[side].set(key, []);
        seen[side].get(key).push(ns);
      }
    }
  }
  for (const [key, after] of seen.after) {
    const before = seen.before.get(key);
    if (!before) {
      lines.push(`| ${name}: ${key} | (new) | ${format(median(after))} | | |`);
      continue;
    }
    const ratio = median(after) / median(before);
    const noise = Math.max(spread(before), spread(after));
    const flag = Math.abs(ratio - 1) > Math.max(noise, 0.05) ? " **" : "";
    if (flag) outside++;
    lines.push(
      `| ${name}: ${key} | ${format(median(before))} | ${format(median(after))} | ${ratio.toFixed(2)}×${flag} | ±${(noise * 100).toFixed(0)}% |`,
    );
  }
}
console.log(lines.join("\n"));
console.log(
  `\n${outside} case(s) marked ** differ by more than both the noise and 5%; ${rounds} round(s), medians.`,
);
