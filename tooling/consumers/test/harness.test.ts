/**
 * The harness's own pieces, on made-up inputs: a matrix whose diff, README
 * extraction or floor arithmetic were wrong would pass or fail for reasons
 * that are not the packages'.
 */
import { describe, expect, it } from "vitest";
import { type Case, matrix, selected } from "../src/cases.js";
import { consumerEnv } from "../src/env.js";
import { lowestAllowed } from "../src/floor.js";
import { manifestProblems } from "../src/manifest.js";
import type { Tarball } from "../src/pack.js";
import { installLine, pickBlock } from "../src/readme.js";
import { diffLines } from "../src/report.js";
import { WORKSPACE_ROOT } from "../src/workspace.js";

const FENCE = "```";

describe("diffLines", () => {
  it("marks expected-only lines -, actual-only lines +, common lines blank", () => {
    expect(diffLines("a\nb\nc\n", "a\nB\nc\n")).toBe("  a\n- b\n+ B\n  c");
  });
  it("an empty output is no lines, not one empty line", () => {
    expect(diffLines("x\n", "")).toBe("- x");
    expect(diffLines("", "y\n")).toBe("+ y");
  });
});

describe("README extraction", () => {
  const readme = [
    "# pkg",
    `${FENCE}sh`,
    "npm install @sabkit/queue @sabkit/core",
    "npm install --save-dev tsx   # only for .ts",
    FENCE,
    `${FENCE}ts`,
    "export function a() {}",
    FENCE,
    `${FENCE}ts`,
    "export function b() {}",
    FENCE,
  ].join("\n");

  it("picks the one ts block containing the string", () => {
    expect(pickBlock(readme, "function b", "README")).toBe("export function b() {}\n");
  });
  it("refuses a string that matches no block or several", () => {
    expect(() => pickBlock(readme, "function c", "README")).toThrow(/found 0/);
    expect(() => pickBlock(readme, "export function", "README")).toThrow(/found 2/);
  });
  it("reads the install lines into dependencies and devDependencies", () => {
    expect(installLine(readme)).toEqual({
      dependencies: ["@sabkit/queue", "@sabkit/core"],
      devDependencies: ["tsx"],
    });
  });
});

describe("lowestAllowed", () => {
  it("finds the lowest version a range allows", () => {
    expect(lowestAllowed(">=20")).toBe("20.0.0");
    expect(lowestAllowed(">=20.19")).toBe("20.19.0");
    expect(lowestAllowed("^20.19.0 || >=22.12.0")).toBe("20.19.0");
    expect(lowestAllowed(">=22.12 || ^20.19.1")).toBe("20.19.1");
  });
  it("refuses a range it cannot read", () => {
    expect(() => lowestAllowed("<22")).toThrow(/lowest version/);
  });
});

describe("manifestProblems", () => {
  const tarball = (manifest: Partial<Tarball["manifest"]>, files: string[]): Tarball => ({
    name: "@sabkit/x",
    version: "0.0.0",
    file: "/x.tgz",
    manifest: { name: "@sabkit/x", version: "0.0.0", ...manifest },
    files,
    readme: "",
  });
  it("accepts published versions and shipped targets", () => {
    const t = tarball(
      {
        main: "./dist/index.js",
        exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
        dependencies: { "@sabkit/core": "0.0.0" },
      },
      ["package.json", "dist/index.js", "dist/index.d.ts"],
    );
    expect(manifestProblems(t)).toEqual([]);
  });
  it("names local specifiers and targets missing from the tarball", () => {
    const t = tarball(
      {
        exports: { ".": { source: "./src/index.ts", default: "./dist/index.js" } },
        dependencies: { "@sabkit/core": "workspace:*" },
      },
      ["package.json", "dist/index.js"],
    );
    expect(manifestProblems(t)).toEqual([
      '@sabkit/x: dependencies.@sabkit/core is "workspace:*"',
      '@sabkit/x: exports["."]["source"] → ./src/index.ts is not in the tarball',
    ]);
  });
});

describe("the consumer environment", () => {
  it("drops the workspace's tooling variables and its bin folders", () => {
    const saved = { ...process.env };
    try {
      process.env.npm_config_frozen_lockfile = "true";
      process.env.NODE_OPTIONS = "--conditions=source";
      process.env.PATH = [`${WORKSPACE_ROOT}node_modules/.bin`, "/usr/bin"].join(":");
      const env = consumerEnv({ EXTRA: "1" });
      expect(env.npm_config_frozen_lockfile).toBeUndefined();
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(env.PATH).toBe("/usr/bin");
      expect(env.EXTRA).toBe("1");
    } finally {
      process.env = saved;
    }
  });
});

describe("selection", () => {
  const c = {
    name: "demo",
    managers: ["npm", "pnpm"],
    runs: [{ runtime: "node", steps: [["node", "main.mjs"]] }],
  } as unknown as Case;
  it("makes one entry per manager and run, filtered by a regexp on case/pm/runtime", () => {
    expect(matrix([c]).map((e) => e.id)).toEqual(["demo/npm/node", "demo/pnpm/node"]);
    expect(selected(matrix([c]), "/pnpm/").map((e) => e.id)).toEqual(["demo/pnpm/node"]);
  });
  it("a pattern matching nothing is an error, not an empty run", () => {
    expect(() => selected(matrix([c]), "nothing")).toThrow(/matches none/);
  });
});
