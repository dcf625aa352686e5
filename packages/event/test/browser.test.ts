import { BROWSERS, runInBrowser, WITHOUT_WAIT_ASYNC } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe.each(BROWSERS)("in headless %s", (browser) => {
  it.each([
    ["native Atomics.waitAsync", undefined, true],
    // The wait layer's helper-worker fallback, from the page's first wait on.
    ["no Atomics.waitAsync", WITHOUT_WAIT_ASYNC, false],
  ] as const)(
    "%s: waitAsync on the page times out, then is woken by a Web Worker's set(); the reverse with a blocking wait",
    async (_, prelude, native) => {
      const result = await runInBrowser({
        browser,
        page: new URL("./browser/page.ts", import.meta.url),
        workers: { "worker.js": new URL("./browser/worker.ts", import.meta.url) },
        prelude,
        timeoutMs: 30_000,
      });
      expect(result).toEqual({
        nativeWaitAsync: native,
        helpersUsed: !native,
        early: false,
        timedOut: false,
        woken: true,
        worker: "worker wait: true",
      });
    },
    35_000,
  );
});
