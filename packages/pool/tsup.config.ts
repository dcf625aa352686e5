import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";
import type { Options } from "tsup";

// Plain .js worker entries (they run before any loader) are built beside the
// other modules, where `new URL("./<entry>.js", import.meta.url)` finds them.
const config = defineLibraryConfig() as Options;
export default config;
