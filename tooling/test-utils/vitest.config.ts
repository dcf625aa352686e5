import { defineNodeConfig } from "./vitest.preset.mjs";

export default defineNodeConfig();
