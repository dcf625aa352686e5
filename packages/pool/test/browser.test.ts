import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { expect, test } from "vitest";

const BOUND = 60_000;

test.each(BROWSERS)(
  "in headless %s (COOP/COEP page, module workers) a pool runs tasks, rejects with their errors, passes live primitives, times out and terminates, also from a worker entry of the program's own",
  async (browser) => {
    const result = await runInBrowser<Record<string, unknown>>({
      browser,
      page: new URL("./browser/pool.page.ts", import.meta.url),
      workers: {
        // Where the page bundle's new URL("./entry.js", import.meta.url) points.
        "entry.js": new URL("../src/entry.js", import.meta.url),
        "tasks.js": new URL("./browser/tasks.ts", import.meta.url),
        "tasks-entry.js": new URL("./browser/tasks.worker.ts", import.meta.url),
      },
      timeoutMs: BOUND,
    });
    expect(result).toEqual({
      squares: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81],
      bigMapOk: true,
      applied: 42,
      error: { isRangeError: true, message: "out of range" },
      live: [true, true, true, true, true, true],
      count: 1200,
      timedOut: "TimeoutError",
      terminated: true,
      afterTerminate: "ClosedError",
      entrySquares: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81],
      entryLive: true,
      entryCount: 1250,
      entryModule: "(worker entry)",
    });
  },
  BOUND + 5_000,
);
