import { runInWorkers, startWorker, withTimeLimit } from "@sabkit/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { notify, waitAsync } from "../src/index.js";
import {
  type AsyncStrategy,
  disposeIdleHelpers,
  helperCounts,
  pendingKeepAlive,
  setWaitStrategy,
} from "../src/internal.js";
import { cells, eventually, scenarios, sleep, wakeUntil } from "./helpers.js";
import { CELL, type Outcome, SPARE } from "./scenarios/wait.scenario.js";

const BOUND = 20_000;

// The three ways waitAsync can wait. "helper-worker" and "polling" are the
// fallbacks of engines without Atomics.waitAsync; the worker scenarios also
// delete the native function to look like such an engine.
const strategies: { strategy: AsyncStrategy; hideNative: boolean }[] = [
  { strategy: "native", hideNative: false },
  { strategy: "auto", hideNative: true }, // auto without native = helper worker
  { strategy: "helper-worker", hideNative: true },
  { strategy: "polling", hideNative: true },
];

afterEach(() => {
  setWaitStrategy({ async: "auto", sync: "auto" });
  disposeIdleHelpers();
  expect(pendingKeepAlive()).toBe(0);
});

describe.each(strategies)(
  "waitAsync ($strategy, native hidden: $hideNative) in real workers",
  ({ strategy, hideNative }) => {
    it('returns "ok" when another worker stores and notifies', async () => {
      const { buffer } = cells();
      const [waiter] = await withTimeLimit(
        Promise.all([
          startWorker<Outcome>(scenarios, "waitAsyncOnce", {
            args: [buffer, CELL, 0, 10_000, strategy, hideNative],
          }).result,
          startWorker<number>(scenarios, "storeAndNotify", { args: [buffer, 1, 50, 1, undefined] })
            .result,
        ]),
        BOUND,
        "waiter and notifier",
      );
      expect(waiter.result).toBe("ok");
    });

    it('returns "not-equal" when the value differs', async () => {
      const { buffer } = cells();
      const [outcome] = await runInWorkers<Outcome>(scenarios, "waitAsyncOnce", {
        args: [buffer, SPARE, 0, undefined, strategy, hideNative],
        timeoutMs: BOUND,
      });
      expect(outcome?.result).toBe("not-equal");
    });

    it('returns "timed-out" after at least the timeout', async () => {
      const { buffer } = cells();
      const [outcome] = await runInWorkers<Outcome>(scenarios, "waitAsyncOnce", {
        args: [buffer, CELL, 0, 150, strategy, hideNative],
        timeoutMs: BOUND,
      });
      expect(outcome?.result).toBe("timed-out");
      expect(outcome?.elapsedMs).toBeGreaterThanOrEqual(149);
    });
  },
);

describe.each(["native", "helper-worker", "polling"] as const)(
  "waitAsync (%s) on this thread",
  (strategy) => {
    it("does not block the caller, and every outcome is reported", async () => {
      setWaitStrategy({ async: strategy });
      const { i32 } = cells();
      const pending = waitAsync(i32, CELL, 0, 10_000);
      // The caller runs on: this line executes while the wait is pending.
      expect(pendingKeepAlive()).toBe(1);
      setTimeout(() => {
        Atomics.store(i32, CELL, 1);
        notify(i32, CELL);
      }, 30);
      expect(await withTimeLimit(pending, BOUND, "waitAsync ok")).toBe("ok");
      expect(await waitAsync(i32, SPARE, 0)).toBe("not-equal");
      expect(await waitAsync(i32, SPARE, 7, 0)).toBe("timed-out");
      const start = performance.now();
      expect(await withTimeLimit(waitAsync(i32, SPARE, 7, 60), BOUND, "timeout")).toBe("timed-out");
      expect(performance.now() - start).toBeGreaterThanOrEqual(59);
    });

    it("a notify that leaves the value unchanged still wakes the waiter (counted in notify's return)", async () => {
      setWaitStrategy({ async: strategy });
      const { i32 } = cells();
      const pending = waitAsync(i32, CELL, 0, BOUND);
      // A helper worker needs a moment to start blocking: retry until one waiter was woken.
      const returns = await wakeUntil(() => notify(i32, CELL, 1), 1, 10_000);
      expect(returns).toEqual([1]);
      expect(await withTimeLimit(pending, BOUND, "woken waiter")).toBe("ok");
      expect(Atomics.load(i32, CELL)).toBe(0);
    });

    it("rejects with an AbortError (cause = reason) when aborted, and at once if already aborted", async () => {
      setWaitStrategy({ async: strategy });
      const { i32 } = cells();
      const controller = new AbortController();
      const pending = waitAsync(i32, CELL, 0, undefined, controller.signal);
      const reason = new Error("stop waiting");
      controller.abort(reason);
      const error = (await pending.catch((e: unknown) => e)) as Error;
      expect(error.name).toBe("AbortError");
      expect(error.cause).toBe(reason);
      expect(pendingKeepAlive()).toBe(0);
      const again = (await waitAsync(i32, CELL, 0, 10, controller.signal).catch((e) => e)) as Error;
      expect(again.name).toBe("AbortError");
      // Clean up the abandoned wait (native/helper): wake it so it forwards into the void.
      Atomics.store(i32, CELL, 1);
      notify(i32, CELL);
    });

    it("an aborted waiter forwards the wake-up it consumed: notify(1) still wakes the live waiter", async () => {
      setWaitStrategy({ async: strategy });
      const { i32 } = cells();
      if (strategy === "helper-worker") {
        // Warm two helpers, so that both waits below start blocking within
        // moments: a notify that leaves the value unchanged cannot reach a
        // helper that is still starting (the documented hand-off gap).
        await Promise.all([waitAsync(i32, SPARE, 7, 20), waitAsync(i32, SPARE, 7, 20)]);
        expect(helperCounts().idle).toBeGreaterThanOrEqual(2);
      }
      const controller = new AbortController();
      const abandoned = waitAsync(i32, CELL, 0, undefined, controller.signal);
      abandoned.catch(() => {});
      // The abandoned wait must be first in line, then the live one must be blocking.
      if (strategy === "helper-worker") await sleep(250);
      const live = waitAsync(i32, CELL, 0, 10_000);
      if (strategy === "helper-worker") await sleep(250);
      controller.abort();
      await expect(abandoned).rejects.toMatchObject({ name: "AbortError" });
      // The value stays 0: only the forwarded notify can wake the live waiter
      // (with native waits the abandoned one is first in line and takes it).
      const returns = await wakeUntil(() => notify(i32, CELL, 1), 1, 10_000);
      expect(returns).toEqual([1]);
      expect(await withTimeLimit(live, BOUND, "live waiter")).toBe("ok");
    });
  },
);

describe("abandoned waiter forwarding across threads", () => {
  it("a worker blocked in waitSync still wakes when an aborted native waiter here took its notify", async () => {
    setWaitStrategy({ async: "native" });
    const { buffer, i32 } = cells();
    const controller = new AbortController();
    // First in line: a native async waiter on this thread, then aborted.
    const abandoned = waitAsync(i32, CELL, 0, undefined, controller.signal);
    abandoned.catch(() => {});
    const worker = startWorker<Outcome>(scenarios, "waitSyncOnce", {
      args: [buffer, CELL, 0, 10_000, "block"],
    });
    try {
      await eventually(() => Atomics.load(i32, 2) === 1, 10_000, "worker arrived");
      // Between its arrival mark and Atomics.wait: give it time to be queued.
      await sleep(200);
      controller.abort();
      const returns = await wakeUntil(() => notify(i32, CELL, 1), 1, 10_000);
      expect(returns).toEqual([1]);
      const outcome = await withTimeLimit(worker.result, BOUND, "worker waiter");
      expect(outcome.result).toBe("ok");
    } finally {
      await worker.terminate();
    }
  });
});

describe("several async waiters on one cell (native)", () => {
  it("notify(1) settles exactly the oldest; notify() the rest", async () => {
    setWaitStrategy({ async: "native" });
    const { i32 } = cells();
    const settled: number[] = [];
    const waits = [0, 1, 2].map((n) =>
      waitAsync(i32, CELL, 0, BOUND).then((r) => {
        settled.push(n);
        return r;
      }),
    );
    expect(notify(i32, CELL, 1)).toBe(1);
    // The oldest settles first; the count of the next notify proves the
    // other two were still waiting (no sleep needed to give a wrong wake-up time).
    expect(await waits[0]).toBe("ok");
    expect(settled).toEqual([0]);
    expect(notify(i32, CELL)).toBe(2);
    expect(await Promise.all(waits)).toEqual(["ok", "ok", "ok"]);
    expect([...settled].sort()).toEqual([0, 1, 2]);
  });

  it("polling waiters on this thread obey the same count", async () => {
    setWaitStrategy({ async: "polling" });
    const { i32 } = cells();
    const settled: number[] = [];
    const waits = [0, 1, 2].map((n) =>
      waitAsync(i32, CELL, 0, BOUND).then((r) => {
        settled.push(n);
        return r;
      }),
    );
    expect(notify(i32, CELL, 1)).toBe(1);
    // The oldest settles first; the count of the next notify proves the
    // other two were still waiting (no sleep needed to give a wrong wake-up time).
    expect(await waits[0]).toBe("ok");
    expect(settled).toEqual([0]);
    expect(notify(i32, CELL)).toBe(2);
    expect(await Promise.all(waits)).toEqual(["ok", "ok", "ok"]);
    expect([...settled].sort()).toEqual([0, 1, 2]);
  });
});
