import { defineNodeConfig } from "@sabkit/test-utils/vitest";

// The demo's tests run its build (dist/ and the Vite build), as a user would.
export default defineNodeConfig({ test: { testTimeout: 90_000, hookTimeout: 90_000 } });
