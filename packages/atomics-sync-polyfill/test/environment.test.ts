import { describe, expect, it } from "vitest";
import { currentRuntime, hasNodeApis, nodeBuiltin, tryNodeBuiltin } from "../src/internal.js";

describe("the environment module: which runtime, and Node built-ins without a static import", () => {
  it("says node on Node, and loads built-ins through process.getBuiltinModule", () => {
    expect(currentRuntime()).toBe("node");
    expect(hasNodeApis()).toBe(true);
    const threads = tryNodeBuiltin<typeof import("node:worker_threads")>("node:worker_threads");
    expect(typeof threads?.Worker).toBe("function");
    expect(nodeBuiltin<typeof import("node:path")>("node:path").join("a", "b")).toBe("a/b");
  });

  it("an id Node does not have is undefined for tryNodeBuiltin and an error naming the caller for nodeBuiltin", () => {
    expect(tryNodeBuiltin("node:no-such-module")).toBeUndefined();
    expect(() => nodeBuiltin("node:no-such-module", "Process")).toThrow(
      "Process needs the built-in module node:no-such-module, which this runtime does not have",
    );
  });

  it("tells Deno and Bun from Node though both set process.versions.node", () => {
    const scope = globalThis as { Deno?: unknown; Bun?: unknown };
    try {
      scope.Bun = {};
      expect(currentRuntime()).toBe("bun");
      scope.Deno = {};
      expect(currentRuntime()).toBe("deno");
    } finally {
      delete scope.Bun;
      delete scope.Deno;
    }
    expect(currentRuntime()).toBe("node");
  });
});
