/**
 * Packs every public package once per run, as `pnpm publish` would (pnpm
 * rewrites `workspace:*` and `catalog:` to versions), and reads back what each
 * tarball holds: its package.json and its file list.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./exec.js";
import { type PublicPackage, publicPackages, WORKSPACE_ROOT } from "./workspace.js";

export interface Tarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** The packed package.json (what a registry would serve). */
  readonly manifest: PackedManifest;
  /** Paths inside the tarball, without the leading `package/`. */
  readonly files: readonly string[];
  /** The packed README.md (what the registry page shows), "" when there is none. */
  readonly readme: string;
}

export interface PackedManifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  exports?: unknown;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Packed {
  readonly dir: string;
  readonly tarballs: ReadonlyMap<string, Tarball>;
  readonly ms: number;
}

/** npm's and pnpm's tarball name: `@sabkit/pool@0.0.0` → `sabkit-pool-0.0.0.tgz`. */
function tarballName(pkg: PublicPackage): string {
  return `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`;
}

export async function packAll(dir: string): Promise<Packed> {
  const packages = publicPackages();
  const unbuilt = packages.filter((pkg) => !existsSync(join(pkg.dir, "dist")));
  if (unbuilt.length > 0) {
    throw new Error(
      `not built: ${unbuilt.map((p) => p.name).join(", ")} have no dist/; run \`pnpm build\` ` +
        "(turbo builds them first when the matrix runs as `pnpm test` or `pnpm test:consumers`)",
    );
  }
  const argv = [
    "pnpm",
    "--recursive",
    ...packages.flatMap((pkg) => ["--filter", pkg.name]),
    "pack",
    "--pack-destination",
    dir,
  ];
  const result = await runCommand(argv, {
    cwd: WORKSPACE_ROOT,
    env: process.env,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `pnpm pack failed (exit ${result.code}${result.timedOut ? ", timed out" : ""}): ` +
        `${argv.join(" ")}\n${result.stderr.slice(-4000)}${result.stdout.slice(-4000)}`,
    );
  }
  const tarballs = new Map<string, Tarball>();
  for (const pkg of packages) {
    const file = join(dir, tarballName(pkg));
    if (!existsSync(file)) {
      throw new Error(`pnpm pack made no ${file} for ${pkg.name}:\n${result.stdout.slice(-4000)}`);
    }
    const files = execFileSync("tar", ["-tzf", file], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/^package\//, ""));
    const manifest = JSON.parse(
      execFileSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" }),
    ) as PackedManifest;
    const readme = files.includes("README.md")
      ? execFileSync("tar", ["-xzOf", file, "package/README.md"], { encoding: "utf8" })
      : "";
    tarballs.set(pkg.name, { name: pkg.name, version: pkg.version, file, manifest, files, readme });
  }
  return { dir, tarballs, ms: result.ms };
}
