import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { AbortError, TimeoutError } from "@sabkit/core";
import { startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { SharedDict } from "../src/index.js";

const scenarios = new URL("./scenarios/shared.scenario.ts", import.meta.url);

describe("SharedDict update: timeout, async and try forms while another worker holds the lock", () => {
  it("update({ timeout }) -> TimeoutError, tryUpdate -> undefined, updateAsync({ signal }) -> AbortError; nothing changes; then all succeed", async () => {
    const dict = new SharedDict<string, number>([["n", 1]]);
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const worker = startWorker(scenarios, "holdDictLock", { args: [dict.handle, flags] });
    try {
      while (Atomics.load(flags, 0) === 0) await waitAsync(flags, 0, 0, 100);
      const fn = (n = 0) => n + 1;
      expect(() => dict.update("n", fn, { timeout: 30 })).toThrow(TimeoutError);
      expect(dict.tryUpdate("n", fn)).toBeUndefined();
      const controller = new AbortController();
      const pending = dict.updateAsync("n", fn, { signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      await expect(dict.updateAsync("n", fn, { timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
      expect(() => dict.update("n", fn, { timeout: -1 })).toThrow(RangeError);
      const later = dict.updateAsync("n", fn, { timeout: 30_000 });
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
      expect(await later).toBe(2);
      await worker.result;
      expect(dict.tryUpdate("n", fn)).toBe(3);
      expect(dict.update("n", fn, { timeout: 1000 })).toBe(4);
      expect(dict.get("n")).toBe(4);
    } finally {
      Atomics.store(flags, 1, 1);
      await worker.terminate();
    }
  }, 60_000);
});
