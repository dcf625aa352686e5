import type { Options } from "tsup";
/** The one tsup setup every sabkit package builds with (ESM, one module per source module, ES2022; .d.ts from tsc). */
export declare function defineLibraryConfig(options?: {
  entry?: string[];
  platform?: "neutral" | "node" | "browser";
}): Options | Options[];
