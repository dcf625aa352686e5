import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";
import type { Options } from "tsup";

// worker.ts is its own entry: each pool process loads it by URL (dist/worker.js).
const config: Options = defineLibraryConfig({
  entry: ["src/index.ts", "src/internal.ts", "src/worker.ts"],
}) as Options;
export default config;
