import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";

export default defineLibraryConfig({ entry: ["src/index.ts"] });
