import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";

export default defineLibraryConfig();
