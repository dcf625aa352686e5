import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { expect, it } from "vitest";

it.each(BROWSERS)(
  "in headless %s: a page and a Web Worker share a Semaphore (blocking in the worker, async on the page)",
  async (browser) => {
    const result = await runInBrowser({
      browser,
      page: new URL("./browser/page.ts", import.meta.url),
      workers: { "worker.js": new URL("./browser/worker.ts", import.meta.url) },
      timeoutMs: 30_000,
    });
    expect(result).toEqual({
      replies: ["waiting", "acquired"],
      second: true,
      third: false,
      value: 1,
    });
  },
  35_000,
);
