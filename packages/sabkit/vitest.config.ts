import { defineNodeConfig } from "@sabkit/test-utils/vitest";

export default defineNodeConfig();
