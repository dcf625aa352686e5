import { runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

const page = new URL("./browser/main-thread.page.ts", import.meta.url);
const workers = { "helper.js": new URL("./browser/helper.worker.ts", import.meta.url) };
const BOUND = 30_000;

const inBrowser = <T>(scenario: string, isolated = true) =>
  runInBrowser<T>({ page, workers, args: { scenario }, isolated, timeoutMs: BOUND });

describe("in headless Chromium on a COOP/COEP page", () => {
  it(
    "waitSync on the main thread spins instead of throwing: ok, not-equal, timed-out",
    async () => {
      const r = await inBrowser<Record<string, unknown>>("waitSync-main");
      expect(r).toMatchObject({
        canBlock: false,
        rawWaitThrows: true,
        okResult: "ok",
        notEqual: "not-equal",
        timedOut: "timed-out",
      });
      expect(r.timedOutAfterMs).toBeGreaterThanOrEqual(119);
    },
    BOUND + 5_000,
  );

  it.each([
    ["native", "waitAsync-main-native", true],
    ["helper-worker fallback (native hidden)", "waitAsync-main-helper", false],
    ["polling fallback (native hidden)", "waitAsync-main-polling", false],
  ])(
    "waitAsync on the main thread, %s, woken by a Web Worker",
    async (_, scenario, native) => {
      const r = await inBrowser<Record<string, unknown>>(scenario as string);
      expect(r).toMatchObject({
        nativePresent: native,
        ok: "ok",
        notEqual: "not-equal",
        timedOut: "timed-out",
        abortError: "AbortError:enough",
      });
      expect(r.timedOutAfterMs).toBeGreaterThanOrEqual(79);
      if (scenario === "waitAsync-main-helper") {
        // The helper worker was used (and returned to the pool or is still blocked for the abandoned wait).
        const helpers = r.helpers as { busy: number; idle: number };
        expect(helpers.busy + helpers.idle).toBeGreaterThan(0);
      }
    },
    BOUND + 5_000,
  );

  it(
    "waitSync inside a Web Worker blocks for real and is woken by notify",
    async () => {
      const r = await inBrowser("waitSync-worker");
      expect(r).toEqual({ result: "ok", workerCanBlock: true, woken: 1 });
    },
    BOUND + 5_000,
  );
});

describe("in headless Chromium on a page without COOP/COEP", () => {
  it(
    "has no SharedArrayBuffer; canBlock() is false; waitSync rejects a non-shared array",
    async () => {
      const r = await inBrowser<Record<string, unknown>>("not-isolated", false);
      expect(r).toMatchObject({ crossOriginIsolated: false, hasSab: false, canBlock: false });
      expect(r.waitSyncError).toMatch(/^TypeError: .*SharedArrayBuffer/);
    },
    BOUND + 5_000,
  );
});
