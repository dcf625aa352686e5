// Scaffolds a published package under packages/: `node scripts/new-package.mjs lock "Lock, RLock…"`.
// Writes package.json (exports with the source condition for tests, types,
// ./internal and ./package.json), tsconfig, tsup and vitest configs, and a README.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

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
const entry = (file) => ({
  source: `./src/${file}.ts`,
  types: `./dist/${file}.d.ts`,
  default: `./dist/${file}.js`,
});
const pkg = {
  name,
  version: "0.0.0",
  description,
  type: "module",
  sideEffects: false,
  license: "MIT",
  engines: { node: ">=20" },
  exports: {
    ".": entry("index"),
    "./internal": entry("internal"),
    "./package.json": "./package.json",
  },
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
  files: ["dist", "!dist/**/*.map"],
  scripts: {
    build: "tsup",
    typecheck: "tsc -p tsconfig.json",
    lint: "publint --strict && attw --pack . --profile esm-only --ignore-rules cjs-resolves-to-esm",
    test: "vitest run",
    bench: "tsx --conditions=source bench/index.ts",
  },
  dependencies: {},
  devDependencies: {
    "@arethetypeswrong/cli": "catalog:",
    "@sabkit/bench": "workspace:*",
    "@sabkit/test-utils": "workspace:*",
    "@sabkit/tsconfig": "workspace:*",
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
  `import { defineLibraryConfig } from "@sabkit/tsconfig/tsup";\n\nexport default defineLibraryConfig({ entry: ["src/index.ts", "src/internal.ts"] });\n`,
);
write(
  "vitest.config.ts",
  `import { defineNodeConfig } from "@sabkit/test-utils/vitest";\n\nexport default defineNodeConfig();\n`,
);
write("README.md", `# ${name}\n\n${description}\n`);
console.log(`created packages/${dir} (${name}); run pnpm install`);
