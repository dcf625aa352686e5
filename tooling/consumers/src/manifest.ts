/**
 * Checks of a packed package.json against its own tarball: what a registry
 * would serve must name only published versions, and every file its
 * `main`, `types` and `exports` point to (under any condition) must be in the
 * tarball, or a consumer whose resolver picks that condition gets a missing
 * file.
 */
import type { Tarball } from "./pack.js";

const LOCAL_SPEC = /^(workspace|catalog|file|link|portal):/;

/** Every string target of an `exports` value, with the condition path leading to it. */
function exportTargets(value: unknown, at: string): { at: string; target: string }[] {
  if (typeof value === "string") return [{ at, target: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => exportTargets(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, v]) =>
      exportTargets(v, `${at}[${JSON.stringify(key)}]`),
    );
  }
  return []; // null: an explicitly blocked subpath
}

export function manifestProblems(tarball: Tarball): string[] {
  const { manifest, files } = tarball;
  const problems: string[] = [];
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
      if (LOCAL_SPEC.test(spec)) problems.push(`${field}.${name} is ${JSON.stringify(spec)}`);
    }
  }
  const present = new Set(files);
  const targets = [
    ...(manifest.main === undefined ? [] : [{ at: "main", target: manifest.main }]),
    ...(manifest.types === undefined ? [] : [{ at: "types", target: manifest.types }]),
    ...exportTargets(manifest.exports, "exports"),
  ];
  for (const { at, target } of targets) {
    if (target.includes("*")) continue; // subpath patterns: none in sabkit today
    const path = target.replace(/^\.\//, "");
    if (!present.has(path)) problems.push(`${at} → ${target} is not in the tarball`);
  }
  return problems.map((p) => `${tarball.name}: ${p}`);
}
