// The vitest setup every sabkit package tests with. Sources are resolved
// through the "source" export condition, so no build is needed before a test
// run; workers started by @sabkit/test-utils resolve the same way.
import { defineConfig, mergeConfig } from "vitest/config";

const conditions = ["source", "module", "node", "import", "default"];

/** @param {import("vitest/config").UserConfig} [overrides] */
export function defineNodeConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: ["source"] } },
      test: {
        environment: "node",
        include: ["test/**/*.test.ts", "src/**/*.test.ts"],
        pool: "forks",
        // Real-worker tests compete for 2 cores; one file at a time keeps
        // stress tests from starving each other into their time bounds.
        fileParallelism: false,
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    }),
    overrides,
  );
}
