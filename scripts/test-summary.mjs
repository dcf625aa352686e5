// Sums vitest's per-package "Tests  N passed | M failed" lines from a
// `pnpm test` log into one closing line: "tests: N passed, M failed".
import { readFileSync } from "node:fs";

const ansiColour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const log = readFileSync(process.argv[2] ?? 0, "utf8").replace(ansiColour, "");
let passed = 0;
let failed = 0;
let packages = 0;
for (const line of log.split("\n")) {
  const match = /:test:\s+Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!match) continue;
  packages++;
  passed += Number(/(\d+) passed/.exec(match[1])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(match[1])?.[1] ?? 0);
}
console.log(`${packages} packages tested`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(packages > 0 && failed === 0 && passed > 0 ? 0 : 1);
