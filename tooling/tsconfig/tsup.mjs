// The one tsup configuration every sabkit package builds with:
// ESM only, .d.ts beside each entry, Node 20 and evergreen browsers.
import { defineConfig } from "tsup";

/**
 * @param {{ entry?: string[] | Record<string, string>, platform?: "neutral" | "node" | "browser" }} [options]
 */
export function defineLibraryConfig(options = {}) {
  return defineConfig({
    entry: options.entry ?? ["src/index.ts"],
    format: ["esm"],
    target: "es2022",
    platform: options.platform ?? "neutral",
    // Declarations come from tsc (tsconfig.build.json), one .d.ts per source
    // file: tsup's bundled .d.ts re-exports shared chunks under mangled names
    // when a package has several entries.
    dts: false,
    onSuccess: "tsc -p tsconfig.build.json",
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    outDir: "dist",
  });
}
