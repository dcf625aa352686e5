/**
 * A fresh consumer project: a folder outside the workspace with the case's
 * files, a package.json naming only the packages the case installs, and an
 * install of the packed tarballs by npm or pnpm.
 *
 * Every sabkit package is mapped to its tarball (npm `overrides`, pnpm
 * `pnpm.overrides`): the packed packages depend on each other at version
 * 0.0.0, which the registry does not have, so the mapping is what lets a
 * package manager resolve them; it installs a package only when something in
 * the project depends on it, so a dependency missing from a package.json
 * still shows.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, parse } from "node:path";
import type { Case, Manager } from "./cases.js";
import { consumerEnv } from "./env.js";
import { type CommandResult, runCommand } from "./exec.js";
import type { Packed } from "./pack.js";
import { installLine, pickBlock } from "./readme.js";
import { CASES_DIR, WORKSPACE_ROOT } from "./workspace.js";

/** Files that would make a tool treat the consumer project as part of something larger. */
const ENCLOSING = [
  "package.json",
  "node_modules",
  "pnpm-workspace.yaml",
  "tsconfig.json",
  "deno.json",
  "deno.jsonc",
  "bunfig.toml",
];

/**
 * Throws when a folder above `root` holds a package.json, node_modules, a
 * workspace or a runtime config: resolution from a consumer project would
 * find it, and a passing case would prove nothing.
 */
export function checkIsolated(root: string): void {
  let dir = dirname(root);
  for (;;) {
    for (const name of ENCLOSING) {
      if (existsSync(join(dir, name))) {
        throw new Error(
          `${join(dir, name)} exists above the consumer projects' folder ${root}: a consumer ` +
            "would resolve through it. Remove it, or point TMPDIR at a folder without one above it",
        );
      }
    }
    if (dir === parse(dir).root) return;
    dir = dirname(dir);
  }
}

export interface Project {
  readonly dir: string;
  readonly manager: Manager;
  readonly packageJson: Record<string, unknown>;
  readonly install: CommandResult;
}

export interface ProjectInputs {
  readonly root: string;
  readonly packed: Packed;
  readonly versions: ReadonlyMap<string, string>;
}

function copyCaseFiles(folder: string, into: string): void {
  const from = join(CASES_DIR, folder);
  if (!existsSync(from)) throw new Error(`cases/${folder} does not exist`);
  for (const entry of readdirSync(from)) {
    if (entry === "case.json") continue;
    cpSync(join(from, entry), join(into, entry), { recursive: true });
  }
}

function readmeText(packed: Packed, pkg: string): string {
  if (pkg === ".") return readFileSync(join(WORKSPACE_ROOT, "README.md"), "utf8");
  const tarball = packed.tarballs.get(pkg);
  if (tarball === undefined) throw new Error(`readme.package ${pkg} is not a packed package`);
  if (tarball.readme === "") throw new Error(`the ${pkg} tarball has no README.md`);
  return tarball.readme;
}

export function installCommand(manager: Manager): string[] {
  return manager === "npm"
    ? ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=warn"]
    : // --no-frozen-lockfile: a fresh project has no lockfile to freeze (pnpm freezes under CI).
      ["pnpm", "install", "--prefer-offline", "--no-frozen-lockfile", "--reporter=append-only"];
}

/** Writes the project (files, README blocks, package.json); throws on a case that cannot be set up. */
export function writeProject(
  c: Case,
  manager: Manager,
  inputs: ProjectInputs,
): {
  dir: string;
  packageJson: Record<string, unknown>;
} {
  const { packed, versions } = inputs;
  const dir = join(inputs.root, `${c.name}-${manager}`);
  mkdirSync(dir, { recursive: true });
  for (const folder of [...c.filesFrom, c.name]) copyCaseFiles(folder, dir);

  const sabkitDeps = [...c.dependencies];
  const registryDeps = [...c.devDependencies];
  if (c.readme !== undefined) {
    const text = readmeText(packed, c.readme.package);
    const where = c.readme.package === "." ? "README.md" : `${c.readme.package}'s README.md`;
    for (const block of c.readme.blocks) {
      writeFileSync(join(dir, block.to), pickBlock(text, block.contains, where));
    }
    if (c.readme.installLine === true) {
      const line = installLine(text);
      if (line.dependencies.length === 0) throw new Error(`${where} has no npm install line`);
      sabkitDeps.unshift(...line.dependencies);
      registryDeps.unshift(...line.devDependencies);
    }
  }

  const tarballSpec = (name: string): string => {
    const tarball = packed.tarballs.get(name);
    if (tarball === undefined) throw new Error(`${name} is not a published sabkit package`);
    return `file:${tarball.file}`;
  };
  const dependencies = Object.fromEntries(
    [...new Set(sabkitDeps)].sort().map((name) => [name, tarballSpec(name)]),
  );
  const devDependencies = Object.fromEntries(
    [...new Set(registryDeps)].sort().map((name) => {
      const version = versions.get(name);
      if (version === undefined) {
        throw new Error(`${name} is not in the catalog of pnpm-workspace.yaml: pin it there first`);
      }
      return [name, version];
    }),
  );
  // The same spec as the direct dependency (npm refuses an override of a
  // direct dependency that differs from it).
  const overrides = Object.fromEntries(
    [...packed.tarballs.keys()].map((name) => [name, tarballSpec(name)]),
  );
  const packageJson: Record<string, unknown> = {
    name: `consumer-${c.name}`,
    version: "0.0.0",
    private: true,
    type: "module",
    ...c.packageJson,
    dependencies,
    devDependencies,
    ...(manager === "npm" ? { overrides } : { pnpm: { overrides } }),
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  return { dir, packageJson };
}

export async function createProject(
  c: Case,
  manager: Manager,
  inputs: ProjectInputs,
): Promise<Project> {
  const { dir, packageJson } = writeProject(c, manager, inputs);
  const install = await runCommand(installCommand(manager), {
    cwd: dir,
    env: consumerEnv(),
    // A cold cache downloads typescript, tsx and esbuild from the registry.
    timeoutMs: 240_000,
  });
  return { dir, manager, packageJson, install };
}
