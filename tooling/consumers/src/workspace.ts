/**
 * What the matrix needs to know about the workspace it tests: where it is,
 * which packages are published, and the catalog's versions (the registry
 * packages a consumer project installs are pinned to the repo's own).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WORKSPACE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CONSUMERS_DIR = fileURLToPath(new URL("../", import.meta.url));
export const CASES_DIR = join(CONSUMERS_DIR, "cases");

export interface PublicPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

/** Every package under packages/ that is not private: what `npm install` can give a user. */
export function publicPackages(): PublicPackage[] {
  const root = join(WORKSPACE_ROOT, "packages");
  const found: PublicPackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    let manifest: { name?: string; version?: string; private?: boolean };
    try {
      manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    } catch {
      continue; // not a package folder
    }
    if (manifest.private === true || manifest.name === undefined) continue;
    found.push({ name: manifest.name, version: manifest.version ?? "0.0.0", dir });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The `catalog:` section of pnpm-workspace.yaml as name -> version. The file
 * is a flat list of `name: version` lines under `catalog:`; anything else in
 * that section is an error, so a format change cannot pin a wrong version.
 */
export function catalog(): Map<string, string> {
  const text = readFileSync(join(WORKSPACE_ROOT, "pnpm-workspace.yaml"), "utf8");
  const versions = new Map<string, string>();
  let inCatalog = false;
  for (const line of text.split("\n")) {
    if (/^catalog:\s*$/.test(line)) {
      inCatalog = true;
      continue;
    }
    if (!inCatalog) continue;
    if (/^\S/.test(line)) break; // the next top-level key
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const match = /^\s+"?([^":\s]+)"?:\s*"?([^"\s#]+)"?\s*$/.exec(line);
    if (match === null) throw new Error(`pnpm-workspace.yaml: cannot read catalog line ${line}`);
    versions.set(match[1]!, match[2]!);
  }
  if (versions.size === 0) throw new Error("pnpm-workspace.yaml has no catalog entries");
  return versions;
}
