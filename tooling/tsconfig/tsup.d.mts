import type { Options } from "tsup";
/** The one tsup setup every sabkit package builds with (ESM, .d.ts, sourcemaps, ES2022). */
export declare function defineLibraryConfig(options?: {
  entry?: string[] | Record<string, string>;
  platform?: "neutral" | "node" | "browser";
}): Options | Options[];
