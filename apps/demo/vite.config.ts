import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** The headers that make the page cross-origin isolated: without them there is no SharedArrayBuffer. */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Where the build puts the sabkit counter module (the `Process` target), by a fixed name. */
export const COUNTER_FILE = "assets/count-worker.js";
const counterSource = fileURLToPath(new URL("./src/count-worker.ts", import.meta.url));

// What `vite build` emits, each as its own file:
// - the page (web/index.html, web/main.ts);
// - @sabkit/process's bootstrap, through its own
//   `new Worker(new URL("./bootstrap.js", import.meta.url), { type: "module" })`;
// - the plain postMessage worker, through the same pattern in web/platform.ts;
// - the counter module that `Process` imports in its workers, as a second
//   entry with its exports kept (Vite's `?worker&url` drops a worker entry's
//   exports, and `Process` calls an exported function).
// `vite preview` serves them with the isolation headers (the dev server would
// too, but cannot load `sabkit` yet: see the README on @sabkit/pool).
export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL("./web", import.meta.url)),
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: "es" },
  define: {
    // The counter's URL, relative to the site: in dev the server compiles its
    // TypeScript source on request; in the build it is the fixed-name entry.
    __COUNTER_URL__: JSON.stringify(command === "serve" ? `/@fs${counterSource}` : COUNTER_FILE),
  },
  // Pre-bundling would move @sabkit/process away from its bootstrap.js (dev only).
  optimizeDeps: { exclude: ["sabkit", "@sabkit/process", "@sabkit/pool"] },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL("./web/index.html", import.meta.url)),
        "count-worker": counterSource,
      },
      preserveEntrySignatures: "exports-only",
      output: {
        entryFileNames: (chunk) =>
          chunk.name === "count-worker" ? COUNTER_FILE : "assets/[name]-[hash].js",
      },
    },
  },
}));
