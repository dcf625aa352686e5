import { runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe("in headless Chromium on a COOP/COEP page", () => {
  it("a Lock shared by the page (acquireAsync) and a Web Worker (blocking acquire) excludes", async () => {
    const result = await runInBrowser({
      page: new URL("./browser/lock.page.ts", import.meta.url),
      workers: { "lock.js": new URL("./browser/lock.worker.ts", import.meta.url) },
      timeoutMs: 40_000,
    });
    expect(result).toEqual({
      total: 4000,
      isLock: true,
      lockedWhileHeld: true,
      lockedAfter: false,
    });
  }, 45_000);
});
