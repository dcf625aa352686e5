// Scaffolds a published package under packages/: `node scripts/new-package.mjs lock "Lock, RLock…"`.
// Writes package.json (exports with the source condition for tests, types,
// ./internal and ./package.json; the published exports without it), tsconfig,
// tsup and vitest configs, a README and the LICENSE.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";

const [dir, description = ""] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/new-package.mjs <dir> "<description>"');
  process.exit(2);
}
const root = new URL(`../packages/${dir}/`, import.meta.url);
if (existsSync(root)) {
  console.error(`packages/${dir} exists already`);
  process.exit(1);
}
const name = dir === "sabkit" ? "sabkit" : `@sabkit/${dir}`;
const REPO = "https://github.com/sabkit/sabkit";
const entry = (file, source = true) => ({
  ...(source ? { source: `./src/${file}.ts` } : {}),
  types: `./dist/${file}.d.ts`,
  default: `./dist/${file}.js`,
});
const exportsMap = (source) => ({
  ".": entry("index", source),
  "./internal": entry("internal", source),
  "./package.json": "./package.json",
});
const pkg = {
  name,
  version: "0.0.0",
  description,
  keywords: [
    "multiprocessing",
    "SharedArrayBuffer",
    "Atomics",
    "worker_threads",
    "web-worker",
    "shared-memory",
  ],
  homepage: `${REPO}/tree/main/packages/${dir}#readme`,
  bugs: { url: `${REPO}/issues` },
  repository: { type: "git", url: `git+${REPO}.git`, directory: `packages/${dir}` },
  license: "MIT",
  type: "module",
  // A package with kinds lists its register entry here (see packages/lock).
  sideEffects: false,
  engines: { node: ">=20.19" },
  exports: exportsMap(true),
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
  files: ["dist"],
  // What `pnpm pack`/`pnpm publish` write: the source condition points at src/, which is not shipped.
  publishConfig: { access: "public", exports: exportsMap(false) },
  scripts: {
    build: "tsup",
    typecheck: "tsc -p tsconfig.json",
    lint: "node ../../scripts/lint-package.mjs",
    test: "vitest run",
    bench: "tsx --conditions=source bench/index.ts",
  },
  dependencies: {},
  // The private tooling (@sabkit/test-utils, bench, tsconfig) is a dev dependency of the root.
  devDependencies: {
    "@arethetypeswrong/cli": "catalog:",
    "@types/node": "catalog:",
    publint: "catalog:",
    tsup: "catalog:",
    tsx: "catalog:",
    typescript: "catalog:",
    vitest: "catalog:",
  },
};
mkdirSync(new URL("src/", root), { recursive: true });
mkdirSync(new URL("test/", root), { recursive: true });
mkdirSync(new URL("bench/", root), { recursive: true });
const write = (path, text) => writeFileSync(new URL(path, root), text);
write("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
write(
  "tsconfig.json",
  `${JSON.stringify({ extends: "@sabkit/tsconfig/base.json", include: ["src", "test", "bench", "vitest.config.ts"] }, null, 2)}\n`,
);
write(
  "tsup.config.ts",
  `import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";\n\nexport default defineLibraryConfig();\n`,
);
write(
  "vitest.config.ts",
  `import { defineNodeConfig } from "@sabkit/test-utils/vitest";\n\nexport default defineNodeConfig();\n`,
);
write("README.md", `# ${name}\n\n${description}\n`);
copyFileSync(new URL("../LICENSE", import.meta.url), new URL("LICENSE", root));
console.log(`created packages/${dir} (${name}); run pnpm install`);
