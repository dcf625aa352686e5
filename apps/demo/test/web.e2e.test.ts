/**
 * The browser page end to end: `vite build`, then `vite preview` (the same
 * config, so the same COOP/COEP headers as `pnpm demo:web`), the page driven
 * in headless Chromium until its three pipelines finish, and its counts
 * compared with the Node CLI's for the same seed and size. It also checks
 * issue #8's claim that Vite sees sabkit's worker entries: @sabkit/process's
 * bootstrap, the counter module and the plain worker are emitted as files,
 * and the page's workers are started from them. On a phone-sized viewport
 * the page must fit the screen's width, and after a run the chart's time
 * axis must fit the run's length (web/time-axis.ts, also checked directly).
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "@sabkit/test-utils/browser";
import type { Browser, Page } from "playwright-core";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoState } from "../web/main.js";
import { type TimeAxis, timeAxis } from "../web/time-axis.js";
import { runCli } from "./run-cli.js";

const configFile = fileURLToPath(new URL("../vite.config.ts", import.meta.url));
const distDir = fileURLToPath(new URL("../web/dist/", import.meta.url));
const resultsDir = fileURLToPath(new URL("../test-results/", import.meta.url));
const SIZE_MB = "2";
const SEED = "7";
const WORKERS = "2";
/** How long the page may take for its three pipelines (bounded; a hang fails here). */
const PAGE_TIMEOUT_MS = 60_000;
const DESKTOP = { viewport: { width: 1100, height: 900 } };
/** A phone held upright: 390 CSS px wide at 3 device pixels per px, honouring the viewport meta tag. */
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};

let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  await build({ configFile, logLevel: "error" });
  server = await preview({
    configFile,
    logLevel: "error",
    preview: { port: 0, host: "127.0.0.1", strictPort: false },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function origin(): string {
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview has no local URL");
  return url;
}

async function openPage(
  url: string,
  device: typeof DESKTOP | typeof PHONE = DESKTOP,
): Promise<{ page: Page; errors: string[]; workers: string[]; requests: string[] }> {
  const page = await browser.newPage(device);
  const errors: string[] = [];
  const workers: string[] = [];
  const requests: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("worker", (worker) => workers.push(new URL(worker.url()).pathname));
  page.on("request", (request) => requests.push(new URL(request.url()).pathname));
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, errors, workers, requests };
}

/** Waits (bounded) until the page's run is over; returns what it published. */
async function finishedRun(page: Page): Promise<DemoState> {
  await page.waitForFunction(
    () => {
      const state = (globalThis as { __demo?: DemoState }).__demo?.state;
      return state === "done" || state === "error";
    },
    undefined,
    { timeout: PAGE_TIMEOUT_MS, polling: 100 },
  );
  return (await page.evaluate(() => (globalThis as { __demo?: DemoState }).__demo)) as DemoState;
}

/**
 * The chart's time axis after a run spans the longest pipeline exactly as
 * web/time-axis.ts promises: the chart ends at that pipeline's measured time
 * (its last point is placed there), and the axis' last tick is at or past it
 * by less than half of it, labelled in ms for a run under a second.
 */
function expectAxisFitsRun(demo: DemoState): void {
  const axis = demo.timeAxis!;
  const longest = Math.max(...demo.results!.map((r) => r.ms));
  expect(axis.extentMs).toBe(longest);
  const last = axis.ticks[axis.ticks.length - 1]!;
  expect(last.ms).toBe(axis.maxMs);
  expect(axis.maxMs).toBeGreaterThanOrEqual(longest);
  expect(axis.maxMs).toBeLessThan(1.5 * longest);
  const unit = axis.maxMs < 1000 ? / ms$/ : / s$/;
  for (const tick of axis.ticks) expect(tick.label).toMatch(unit);
}

/**
 * What of the page a reader cannot reach at its viewport's width: elements
 * past the right edge, and table cells that are neither in view nor inside a
 * container that scrolls sideways. Header cells may be left undisplayed (the
 * narrow layout names each value in its own cell); data cells may not.
 */
function unreachable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = window.innerWidth;
    const describe = (e: Element) => `<${e.tagName.toLowerCase()}> "${e.textContent?.trim()}"`;
    for (const e of document.querySelectorAll(
      "h1, .lead, #controls label, #run, #status, #legend, #chart, #words",
    )) {
      const box = e.getBoundingClientRect();
      if (box.left < 0 || box.right > width)
        problems.push(`${describe(e)} spans ${box.left}..${box.right}`);
    }
    for (const cell of document.querySelectorAll("#summary th, #summary td")) {
      const box = cell.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) {
        if (cell.tagName === "TD") problems.push(`${describe(cell)} is not displayed`);
        continue;
      }
      if (box.left >= 0 && box.right <= width) continue;
      let scroller = cell.parentElement;
      while (scroller && scroller !== document.body) {
        const overflow = getComputedStyle(scroller).overflowX;
        if (overflow === "auto" || overflow === "scroll") break;
        scroller = scroller.parentElement;
      }
      const frame = scroller?.getBoundingClientRect();
      const reachable =
        scroller &&
        scroller !== document.body &&
        frame &&
        frame.left >= 0 &&
        frame.right <= width &&
        box.right - frame.left + scroller.scrollLeft <= scroller.scrollWidth;
      if (!reachable) problems.push(`${describe(cell)} spans ${box.left}..${box.right}`);
    }
    return problems;
  });
}

describe("the browser page (vite build + vite preview + headless Chromium)", () => {
  it("emits the worker entries as files", () => {
    const assets = readdirSync(join(distDir, "assets"));
    expect(assets.filter((f) => /^bootstrap-[\w-]+\.js$/.test(f))).toHaveLength(1);
    expect(assets.filter((f) => /^plain-worker-[\w-]+\.js$/.test(f))).toHaveLength(1);
    expect(assets).toContain("count-worker.js");
    // Process calls the counter's export by name: the build must keep it.
    expect(readFileSync(join(distDir, "assets/count-worker.js"), "utf8")).toMatch(
      /export\s*\{[^}]*as countChunks\s*\}/,
    );
  });

  it("runs the three pipelines in Web Workers to the Node CLI's exact counts", async () => {
    const [node, { page, errors, workers, requests }] = await Promise.all([
      runCli({ SABKIT_DEMO_SIZE: SIZE_MB, SABKIT_DEMO_SEED: SEED, SABKIT_DEMO_WORKERS: WORKERS }),
      openPage(`${origin()}?size=${SIZE_MB}&seed=${SEED}&workers=${WORKERS}&auto=1`),
    ]);
    try {
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      const demo = await finishedRun(page);
      await mkdir(resultsDir, { recursive: true });
      await page.screenshot({ path: join(resultsDir, "web-demo.png"), fullPage: true });
      expect(demo.error).toBeUndefined();
      expect(demo.state).toBe("done");
      expect(errors).toEqual([]);
      const expected = node.json.results[2]!.summary;
      expect(demo.results!.map((r) => r.name)).toEqual(node.json.results.map((r) => r.name));
      for (const result of demo.results!) expect(result.summary).toEqual(expected);
      expect(demo.agree).toBe(true);
      // The page's table shows three rows, each with the agreed digest.
      const cells = await page.locator("#summary tbody tr td:last-child").allTextContents();
      expect(cells).toEqual([1, 2, 3].map(() => `ok ${expected.digest}`));
      // Issue #8: the workers really ran from the emitted files — two
      // Process workers on the bootstrap (which imported the counter module)
      // and two plain workers.
      expect(workers.filter((w) => /\/assets\/bootstrap-[\w-]+\.js$/.test(w))).toHaveLength(2);
      expect(workers.filter((w) => /\/assets\/plain-worker-[\w-]+\.js$/.test(w))).toHaveLength(2);
      expect(requests).toContain("/assets/count-worker.js");
      // The desktop layout fits too, and so does the chart's time axis.
      expect(await unreachable(page)).toEqual([]);
      expectAxisFitsRun(demo);
    } finally {
      await page.close();
    }
  });

  it("fits a phone's width: no sideways scrolling, every cell reachable, the axis fitted to the run", async () => {
    const { page, errors } = await openPage(
      `${origin()}?size=${SIZE_MB}&seed=${SEED}&workers=${WORKERS}&auto=1`,
      PHONE,
    );
    try {
      const demo = await finishedRun(page);
      await mkdir(resultsDir, { recursive: true });
      await page.screenshot({ path: join(resultsDir, "web-demo-phone.png"), fullPage: true });
      expect(demo.error).toBeUndefined();
      expect(demo.state).toBe("done");
      expect(errors).toEqual([]);
      const { innerWidth, scrollWidth } = await page.evaluate(() => ({
        innerWidth: window.innerWidth,
        scrollWidth: document.documentElement.scrollWidth,
      }));
      // A phone browser shows a page that is too wide zoomed out, so the
      // layout viewport grows with it: it must stay the screen's 390 px.
      expect(innerWidth).toBe(PHONE.viewport.width);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      expect(await unreachable(page)).toEqual([]);
      const cells = await page.locator("#summary tbody tr td:last-child").allTextContents();
      expect(cells).toEqual([1, 2, 3].map(() => `ok ${demo.summary!.digest}`));
      expectAxisFitsRun(demo);
    } finally {
      await page.close();
    }
  });

  it("says so clearly when the page is not cross-origin isolated", async () => {
    // The same build, served without COOP/COEP.
    const plain: Server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      const file = join(distDir, path === "/" ? "index.html" : path);
      try {
        const type = extname(file) === ".html" ? "text/html" : "text/javascript";
        response.writeHead(200, { "Content-Type": type }).end(readFileSync(file));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const { port } = plain.address() as AddressInfo;
    const { page } = await openPage(`http://127.0.0.1:${port}/?auto=1`);
    try {
      await page.waitForFunction(
        () => (globalThis as { __demo?: DemoState }).__demo !== undefined,
        undefined,
        {
          timeout: 10_000,
        },
      );
      expect(await page.evaluate(() => (globalThis as { __demo?: DemoState }).__demo?.state)).toBe(
        "not-isolated",
      );
      const warning = await page.locator("#warning").textContent();
      expect(warning).toContain("not cross-origin isolated");
      expect(warning).toContain("Cross-Origin-Embedder-Policy: require-corp");
      expect(await page.locator("#run").isDisabled()).toBe(true);
    } finally {
      await page.close();
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});

describe("the chart's time axis (web/time-axis.ts)", () => {
  const labels = (axis: TimeAxis) => axis.ticks.map((t) => t.label);

  it("ends on a round value just past the run, in ms under a second", () => {
    expect(labels(timeAxis(80))).toEqual(["0 ms", "20 ms", "40 ms", "60 ms", "80 ms"]);
    expect(labels(timeAxis(83))).toEqual(["0 ms", "20 ms", "40 ms", "60 ms", "80 ms", "100 ms"]);
    expect(labels(timeAxis(400))).toEqual(["0 ms", "100 ms", "200 ms", "300 ms", "400 ms"]);
    expect(labels(timeAxis(1234))).toEqual(["0.0 s", "0.5 s", "1.0 s", "1.5 s"]);
    expect(labels(timeAxis(3000))).toEqual(["0 s", "1 s", "2 s", "3 s"]);
    expect(labels(timeAxis(40_000))).toEqual(["0 s", "10 s", "20 s", "30 s", "40 s"]);
    // A wide chart asks for more ticks.
    expect(labels(timeAxis(400, 10))).toEqual(
      ["0", "50", "100", "150", "200", "250", "300", "350", "400"].map((v) => `${v} ms`),
    );
    // An idle chart (nothing plotted yet) spans a second.
    expect(timeAxis(0).maxMs).toBe(1000);
  });

  it("keeps extent <= last tick < 1.5 x extent, in 1-2-5 steps, for any run length", () => {
    for (const maxIntervals of [5, 7, 10]) {
      // Every 1/100 of a decade from 10 us to 1000 s, and the round values themselves.
      for (let e = -200; e <= 600; e++) {
        for (const extentMs of [10 ** (e / 100), Math.round(10 ** (e / 100))]) {
          if (!(extentMs > 0)) continue;
          const axis = timeAxis(extentMs, maxIntervals);
          const intervals = axis.ticks.length - 1;
          expect(axis.maxMs).toBeGreaterThanOrEqual(extentMs);
          expect(axis.maxMs).toBeLessThan(1.5 * extentMs);
          expect(intervals).toBeLessThanOrEqual(maxIntervals);
          expect(intervals).toBeGreaterThan((2 / 5) * maxIntervals);
          const mantissa = axis.stepMs / 10 ** Math.floor(Math.log10(axis.stepMs) + 1e-9);
          expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
        }
      }
    }
  });
});
