import { defineConfig } from "tsup";

// The demo runs from its build, as a user's program would: the worker
// modules are separate entries next to main.js.
export default defineConfig({
  entry: ["src/main.ts", "src/count-worker.ts", "src/plain-worker.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  sourcemap: true,
  clean: true,
});
