/**
 * The commands a run may name. Deno and Bun are the binaries that this
 * package installs from npm (@deno/linux-x64-glibc, @oven/bun-linux-x64: the
 * binary is inside the package, nothing downloads at install or run time),
 * pinned in the catalog; the engines-floor Node is fetched by floor.ts;
 * everything else is looked up on PATH as a user's shell would.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Manager } from "./cases.js";

const require = createRequire(import.meta.url);

function binary(pkg: string, relative: string): string {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(
      `${pkg} is not installed: it is an optional dependency of @sabkit/consumers for ` +
        `${process.platform}-${process.arch} Linux with glibc; run pnpm install on such a machine`,
    );
  }
  const file = join(dir, relative);
  if (!existsSync(file)) throw new Error(`${pkg} has no ${relative}`);
  return file;
}

export interface ResolvedStep {
  readonly argv: string[];
  /** Variables set for this step on top of the consumer environment. */
  readonly env: Record<string, string>;
}

/** The command name of the oldest Node the packages' engines field allows (floor.ts). */
export const FLOOR_NODE = "node@engines-floor";

/** The step that opens a bundled page in a browser (open-page.ts, run by the workspace's tsx). */
export const OPEN_PAGE = "open-page";

/**
 * `{pm}` becomes the case's package manager; a leading `deno`/`bun` becomes
 * the installed binary, with its caches in `cacheDir` (never the user's home)
 * and no update checks or telemetry; a leading `node@engines-floor` the
 * oldest Node the packages accept; a leading `open-page` this package's page
 * runner (the browsers are test infrastructure, not something users install).
 */
export async function resolveStep(
  argv: readonly string[],
  manager: Manager,
  cacheDir: string,
  floorNode: () => Promise<string>,
): Promise<ResolvedStep> {
  const words = argv.map((word) => word.replaceAll("{pm}", manager));
  if (words[0] === FLOOR_NODE) return { argv: [await floorNode(), ...words.slice(1)], env: {} };
  if (words[0] === OPEN_PAGE) {
    const tsx = pathToFileURL(require.resolve("tsx")).href;
    const runner = fileURLToPath(new URL("./open-page.ts", import.meta.url));
    return { argv: [process.execPath, "--import", tsx, runner, ...words.slice(1)], env: {} };
  }
  if (words[0] === "deno") {
    return {
      argv: [binary("@deno/linux-x64-glibc", "deno"), ...words.slice(1)],
      env: {
        DENO_DIR: join(cacheDir, "deno"),
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
      },
    };
  }
  if (words[0] === "bun") {
    return {
      argv: [binary("@oven/bun-linux-x64", "bin/bun"), ...words.slice(1)],
      env: {
        BUN_INSTALL_CACHE_DIR: join(cacheDir, "bun"),
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
        DO_NOT_TRACK: "1",
      },
    };
  }
  return { argv: words, env: {} };
}
