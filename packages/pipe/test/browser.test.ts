import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe.each(BROWSERS)("in headless %s on a COOP/COEP page", (browser) => {
  it("a Pipe between the page (async forms, readable stream) and a Web Worker (blocking forms, writable stream)", async () => {
    const result = await runInBrowser({
      browser,
      page: new URL("./browser/pipe.page.ts", import.meta.url),
      workers: { "pipe-worker.js": new URL("./browser/pipe.worker.ts", import.meta.url) },
      timeoutMs: 60_000,
    });
    expect(result).toEqual({
      echoed: 300,
      wrong: 0,
      total: 1 << 20,
      bytesWrong: 0,
      crossOriginIsolated: true,
    });
  }, 65_000);
});
