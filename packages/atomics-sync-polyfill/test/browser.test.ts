import { BROWSERS, runInBrowser, WITHOUT_WAIT_ASYNC } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

const page = new URL("./browser/main-thread.page.ts", import.meta.url);
const workers = { "helper.js": new URL("./browser/helper.worker.ts", import.meta.url) };
const BOUND = 30_000;

describe.each(BROWSERS)("in headless %s", (browser) => {
  const inBrowser = <T>(scenario: string, options: { isolated?: boolean; prelude?: string } = {}) =>
    runInBrowser<T>({
      browser,
      page,
      workers,
      args: { scenario },
      isolated: options.isolated ?? true,
      prelude: options.prelude,
      timeoutMs: BOUND,
    });

  describe("on a COOP/COEP page", () => {
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
      ["native", "waitAsync-main", undefined],
      // The engine has no Atomics.waitAsync from the start: the prelude
      // removes it before any module of the page is evaluated.
      ["helper-worker fallback (no native one)", "waitAsync-main", WITHOUT_WAIT_ASYNC],
      ["polling fallback (no native one)", "waitAsync-main-polling", WITHOUT_WAIT_ASYNC],
    ])(
      "waitAsync on the main thread, %s, woken by a Web Worker",
      async (_, scenario, prelude) => {
        const r = await inBrowser<Record<string, unknown>>(scenario, { prelude });
        expect(r).toMatchObject({
          nativePresent: prelude === undefined,
          ok: "ok",
          notEqual: "not-equal",
          rounds: 20,
          all: ["ok", "ok", "ok"],
          timedOut: "timed-out",
          abortError: "AbortError:enough",
        });
        expect(r.timedOutAfterMs).toBeGreaterThanOrEqual(79);
        const helpers = r.helpers as { busy: number; idle: number };
        if (scenario === "waitAsync-main" && prelude !== undefined) {
          // The helper workers were used (returned to the pool, or still blocked for the abandoned wait).
          expect(helpers.busy + helpers.idle).toBeGreaterThan(0);
        } else {
          expect(helpers).toEqual({ busy: 0, idle: 0 });
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

  describe("on a page without COOP/COEP", () => {
    it(
      "has no SharedArrayBuffer; canBlock() is false; waitSync rejects a non-shared array",
      async () => {
        const r = await inBrowser<Record<string, unknown>>("not-isolated", { isolated: false });
        expect(r).toMatchObject({ crossOriginIsolated: false, hasSab: false, canBlock: false });
        expect(r.waitSyncError).toMatch(/^TypeError: .*SharedArrayBuffer/);
      },
      BOUND + 5_000,
    );
  });
});
