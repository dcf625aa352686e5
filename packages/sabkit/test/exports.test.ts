import { describe, expect, it } from "vitest";
import * as sabkit from "../src/index.js";

const packages = {
  "@sabkit/atomics-sync-polyfill": () => import("@sabkit/atomics-sync-polyfill"),
  "@sabkit/barrier": () => import("@sabkit/barrier"),
  "@sabkit/core": () => import("@sabkit/core"),
  "@sabkit/event": () => import("@sabkit/event"),
  "@sabkit/lock": () => import("@sabkit/lock"),
  "@sabkit/pipe": () => import("@sabkit/pipe"),
  "@sabkit/pool": () => import("@sabkit/pool"),
  "@sabkit/process": () => import("@sabkit/process"),
  "@sabkit/queue": () => import("@sabkit/queue"),
  "@sabkit/semaphore": () => import("@sabkit/semaphore"),
  "@sabkit/shared": () => import("@sabkit/shared"),
};

describe("sabkit", () => {
  it.each(Object.entries(packages))(
    "re-exports every value export of %s as the same object",
    async (_name, load) => {
      const module: Record<string, unknown> = await load();
      const names = Object.keys(module);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        // A name exported by two packages would be dropped by `export *`.
        expect((sabkit as Record<string, unknown>)[name], name).toBe(module[name]);
      }
    },
  );

  it("has the Python names a ported program reaches for", () => {
    for (const name of ["Lock", "RLock", "Condition", "Semaphore", "Event", "Barrier", "Queue"]) {
      expect(typeof (sabkit as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(typeof sabkit.isMainProcess).toBe("function");
  });
});
