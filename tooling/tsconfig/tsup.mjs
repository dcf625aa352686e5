// The one tsup configuration every sabkit package builds with: ESM only, one
// output module per source module (no bundling), Node 20 and evergreen
// browsers.
//
// Why unbundled: a user's bundler drops whole modules it does not need only
// when they are separate files ("sideEffects" in package.json works per
// file). A package bundled into one index.js keeps every class of the package
// in any bundle that imports one of them (each class registers its kind in a
// static block, a side effect a bundler must keep). Unbundled, `Lock` alone
// pulls in lock.js and what it imports, not RwLock or Condition.
import { defineConfig } from "tsup";

/**
 * @param {{ entry?: string[], platform?: "neutral" | "node" | "browser" }} [options]
 */
export function defineLibraryConfig(options = {}) {
  return defineConfig({
    // Plain .js sources too: worker entries that must run before any loader.
    entry: options.entry ?? ["src/**/*.ts", "src/**/*.js", "!src/**/*.test.ts", "!src/**/*.d.ts"],
    format: ["esm"],
    target: "es2022",
    platform: options.platform ?? "neutral",
    bundle: false,
    // Declarations come from tsc (tsconfig.build.json), one .d.ts per source file.
    dts: false,
    onSuccess: "tsc -p tsconfig.build.json",
    // No source maps: unbundled output is the source without its types, line
    // for line close to it, and a map would point at sources we do not ship.
    sourcemap: false,
    clean: true,
    outDir: "dist",
  });
}
