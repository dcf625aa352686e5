import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Two tests at once on the two cores: while one project installs
    // (network, disk), another runs its programs.
    maxConcurrency: 2,
    // Every command bounds its own time; these only catch a harness bug.
    testTimeout: 30 * 60_000,
    hookTimeout: 300_000,
  },
});
