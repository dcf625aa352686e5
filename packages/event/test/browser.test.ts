import { runInBrowser } from "@sabkit/test-utils/browser";
import { expect, it } from "vitest";

it("in headless Chromium: waitAsync on the page is woken by a Web Worker's set(), and the reverse with a blocking wait", async () => {
  const result = await runInBrowser({
    page: new URL("./browser/page.ts", import.meta.url),
    workers: { "worker.js": new URL("./browser/worker.ts", import.meta.url) },
    timeoutMs: 30_000,
  });
  expect(result).toEqual({
    early: false,
    timedOut: false,
    woken: true,
    worker: "worker wait: true",
  });
}, 35_000);
