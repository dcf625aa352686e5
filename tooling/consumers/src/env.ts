/**
 * The environment a consumer's commands run in: the user's, minus what the
 * workspace's own tooling put there. `pnpm test` runs this suite through
 * pnpm, turbo and vitest, which export npm_config_* settings, NODE_ENV=test,
 * and put the workspace's node_modules/.bin first on PATH; a consumer project
 * inheriting those would find the workspace's tsx or tsc, or install with the
 * workspace's settings, and prove nothing about a user's machine.
 */
import { delimiter, resolve, sep } from "node:path";
import { WORKSPACE_ROOT } from "./workspace.js";

const DROPPED_PREFIXES = ["npm_", "NPM_", "pnpm_", "PNPM_", "TURBO_", "VITEST", "VITE_"];
const DROPPED = new Set([
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_ENV",
  "INIT_CWD",
  "TEST",
  "FORCE_COLOR",
  // pnpm and npm change defaults under CI (pnpm: a frozen lockfile); the
  // matrix must behave the same on a laptop and in CI.
  "CI",
]);

export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED.has(key)) continue;
    if (DROPPED_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    env[key] = value;
  }
  const root = resolve(WORKSPACE_ROOT);
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((entry) => entry !== "" && !`${resolve(entry)}${sep}`.startsWith(`${root}${sep}`))
    .join(delimiter);
  // Plain output: the expected text has no colour codes. (Not FORCE_COLOR=0
  // as well: Node warns on stderr when both are set.)
  env.NO_COLOR = "1";
  return { ...env, ...extra };
}
