import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe.each(BROWSERS)("in headless %s on a COOP/COEP page", (browser) => {
  it("items the page puts with the async forms reach a Web Worker's blocking gets in order, and the worker's replies reach the page's for await and a RingBuffer in order", async () => {
    const result = await runInBrowser({
      browser,
      page: new URL("./browser/queue.page.ts", import.meta.url),
      workers: { "queue-worker.js": new URL("./browser/queue.worker.ts", import.meta.url) },
      timeoutMs: 40_000,
    });
    expect(result).toEqual({
      received: 200,
      inOrder: true,
      ringValues: 1000,
      ringInOrder: true,
      crossOriginIsolated: true,
    });
  }, 45_000);
});
