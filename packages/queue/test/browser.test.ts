import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

describe.each(BROWSERS)("in headless %s on a COOP/COEP page", (browser) => {
  it("a Queue between the page (async forms, for await) and a Web Worker (blocking forms); a RingBuffer back", async () => {
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
