// `pnpm lint` of one published package: packs it as `pnpm publish` would
// (publishConfig applied, workspace: versions resolved) and runs publint
// --strict and attw --profile esm-only on that tarball, so the checks see
// what users install rather than the workspace's package.json.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "sabkit-lint-"));
const run = (command, args) => execFileSync(command, args, { stdio: "inherit" });
try {
  execFileSync("pnpm", ["pack", "--pack-destination", out], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [tarball] = readdirSync(out).filter((file) => file.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball into ${out}`);
  run("publint", ["run", join(out, tarball), "--strict"]);
  run("attw", [join(out, tarball), "--profile", "esm-only"]);
} catch (error) {
  // The tools printed what failed; exit with their status.
  process.exitCode = typeof error?.status === "number" ? error.status : 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
