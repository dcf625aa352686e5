/**
 * Collects the results every package's `pnpm bench` wrote to
 * `packages/<name>/.bench-results/*.json` into one markdown file,
 * `BENCHMARKS.md` at the repository root: `pnpm bench && pnpm bench:report`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatGroup, type GroupResult } from "./index.js";

interface SuiteFile {
  suite: string;
  node: string;
  cpu: string;
  results: GroupResult[];
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const sections: string[] = [];
for (const dir of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, dir)).sort()) {
    const results = join(root, dir, name, ".bench-results");
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results)
      .filter((f) => f.endsWith(".json"))
      .sort()) {
      const suite = JSON.parse(readFileSync(join(results, file), "utf8")) as SuiteFile;
      // Tables the suite measured outside runBench (recordTables), after its groups.
      const tables = join(results, file.replace(/\.json$/, ".tables.md"));
      sections.push(
        [
          `## ${suite.suite} (\`${dir}/${name}\`)`,
          `Node ${suite.node}, ${suite.cpu}. Reproduce: \`pnpm --filter ./${dir}/${name} bench\`.`,
          ...suite.results.map((group) => formatGroup(group)),
          ...(existsSync(tables) ? [readFileSync(tables, "utf8").trim()] : []),
        ].join("\n\n"),
      );
    }
  }
}
if (sections.length === 0) {
  console.error("no .bench-results found: run `pnpm bench` first");
  process.exit(1);
}
const text = [
  "# sabkit benchmarks",
  "",
  "Every table is one run of the package's benchmark: each case beside a baseline",
  "measured in the same run, as a ratio (> 1× is faster than the baseline).",
  "Regenerate with `pnpm bench && pnpm bench:report`.",
  "",
  sections.join("\n\n"),
  "",
].join("\n");
writeFileSync(join(root, "BENCHMARKS.md"), text);
console.log(`wrote BENCHMARKS.md (${sections.length} suites)`);
