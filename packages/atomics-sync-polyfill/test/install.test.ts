import { runInWorkers } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";

const scenarios = new URL("./scenarios/install.scenario.ts", import.meta.url);

// install() changes a global, so each case runs in its own worker.
describe("install()", () => {
  it("adds a working Atomics.waitAsync where it is missing, once", async () => {
    const [report] = await runInWorkers(scenarios, "installWhereMissing", { timeoutMs: 20_000 });
    expect(report).toEqual({
      installedIsFunction: true,
      idempotent: true,
      installReturns: "undefined",
      notEqual: { async: false, value: "not-equal" },
      timedOutAtOnce: { async: false, value: "timed-out" },
      asyncFlag: true,
      woken: "ok",
      timedOut: "timed-out",
      nanTimeoutMeansForever: "ok",
      packageWaitAsyncStillWorks: "ok",
    });
  });

  it("does not replace a native Atomics.waitAsync", async () => {
    const [same] = await runInWorkers(scenarios, "installWhereNative", { timeoutMs: 20_000 });
    expect(same).toBe(true);
  });
});
