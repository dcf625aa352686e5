import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";
import type { Options } from "tsup";

const base = defineLibraryConfig({ entry: ["src/index.ts", "src/internal.ts"] }) as Options;

// bootstrap.js is the worker entry: emitted beside the chunks as dist/bootstrap.js, so that
// `new URL("./bootstrap.js", import.meta.url)` in the built code finds it (and bundlers see it).
const config: Options[] = [
  base,
  {
    entry: { bootstrap: "src/bootstrap.js" },
    format: ["esm"],
    target: "es2022",
    platform: "neutral",
    outDir: "dist",
    clean: false,
    splitting: false,
    dts: false,
    sourcemap: false,
  },
];
export default config;
