import { describe, expect, it } from "vitest";
import {
  runInWorkers,
  ScenarioError,
  ScenarioTimeoutError,
  startWorker,
  WorkerExitedError,
} from "../src/index.js";

const scenarios = new URL("./scenarios/basic.scenario.ts", import.meta.url);

describe("runInWorkers", () => {
  it("runs a TypeScript scenario in each worker and returns results in worker order", async () => {
    const results = await runInWorkers(scenarios, "sumWithIndex", { workers: 3, args: [10] });
    expect(results).toEqual([
      { index: 0, value: 10 },
      { index: 1, value: 11 },
      { index: 2, value: 12 },
    ]);
  });

  it("shares SharedArrayBuffers with every worker", async () => {
    const buffer = new SharedArrayBuffer(4);
    const results = await runInWorkers(scenarios, "addToShared", {
      workers: 4,
      args: [buffer, 1000],
    });
    expect(results).toEqual([4, 4, 4, 4]);
    expect(new Int32Array(buffer)[0]).toBe(4000);
  });

  it("passes per-worker arguments", async () => {
    const results = await runInWorkers(scenarios, "sumWithIndex", {
      workers: 2,
      args: (index) => [index * 100],
    });
    expect(results.map((r) => (r as { value: number }).value)).toEqual([0, 101]);
  });

  it("reports a thrown error with the worker's class name and stack", async () => {
    const error = await runInWorkers(scenarios, "throwTypeError").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).remoteName).toBe("TypeError");
    expect((error as ScenarioError).remoteStack).toContain("basic.scenario.ts");
  });

  it("reports an unknown export by name", async () => {
    const error = await runInWorkers(scenarios, "noSuchExport").catch((e: unknown) => e);
    expect((error as ScenarioError).message).toContain('no exported function "noSuchExport"');
  });

  it("reports a worker that exits before returning", async () => {
    const error = await runInWorkers(scenarios, "exitWithCode", { args: [7] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect((error as WorkerExitedError).exitCode).toBe(7);
  });

  it("ends a hanging run at its time bound and names the stuck workers", async () => {
    const buffer = new SharedArrayBuffer(4);
    const error = await runInWorkers(scenarios, "hang", {
      workers: 2,
      args: [buffer],
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioTimeoutError);
    expect((error as Error).message).toContain("workers [0, 1] of 2");
  });

  it("lets a test terminate a single worker and observe its exit", async () => {
    const buffer = new SharedArrayBuffer(4);
    const worker = startWorker(scenarios, "hang", { args: [buffer] });
    await new Promise((resolve) => worker.worker.once("online", resolve));
    const code = await worker.terminate();
    expect(code).toBe(1);
    await expect(worker.result).rejects.toBeInstanceOf(WorkerExitedError);
  });
});
