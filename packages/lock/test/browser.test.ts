import { BROWSERS, runInBrowser, WITHOUT_WAIT_ASYNC } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe.each(BROWSERS)("in headless %s on a COOP/COEP page", (browser) => {
  it.each([
    ["native Atomics.waitAsync", undefined, true],
    // The wait layer's helper-worker fallback, from the page's first wait on.
    ["no Atomics.waitAsync", WITHOUT_WAIT_ASYNC, false],
  ] as const)(
    "%s: a Lock shared by the page (acquireAsync) and a Web Worker (blocking acquire) excludes",
    async (_, prelude, native) => {
      const result = await runInBrowser({
        browser,
        page: new URL("./browser/lock.page.ts", import.meta.url),
        workers: { "lock.js": new URL("./browser/lock.worker.ts", import.meta.url) },
        prelude,
        timeoutMs: 40_000,
      });
      expect(result).toEqual({
        nativeWaitAsync: native,
        sleptInHelper: !native,
        total: 4000,
        isLock: true,
        lockedWhileHeld: true,
        lockedAfter: false,
      });
    },
    45_000,
  );
});
