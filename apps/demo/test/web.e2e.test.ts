/**
 * The browser page end to end: `vite build`, then `vite preview` (the same
 * config, so the same COOP/COEP headers as `pnpm demo:web`), the page driven
 * in headless Chromium until its three pipelines finish, and its counts
 * compared with the Node CLI's for the same seed and size. It also checks
 * issue #8's claim that Vite sees sabkit's worker entries: @sabkit/process's
 * bootstrap, the counter module and the plain worker are emitted as files,
 * and the page's workers are started from them.
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
import { runCli } from "./run-cli.js";

const configFile = fileURLToPath(new URL("../vite.config.ts", import.meta.url));
const distDir = fileURLToPath(new URL("../web/dist/", import.meta.url));
const resultsDir = fileURLToPath(new URL("../test-results/", import.meta.url));
const SIZE_MB = "2";
const SEED = "7";
const WORKERS = "2";
/** How long the page may take for its three pipelines (bounded; a hang fails here). */
const PAGE_TIMEOUT_MS = 60_000;

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
): Promise<{ page: Page; errors: string[]; workers: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
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
      await page.waitForFunction(
        () => {
          const state = (globalThis as { __demo?: DemoState }).__demo?.state;
          return state === "done" || state === "error";
        },
        undefined,
        { timeout: PAGE_TIMEOUT_MS, polling: 100 },
      );
      const demo = (await page.evaluate(
        () => (globalThis as { __demo?: DemoState }).__demo,
      )) as DemoState;
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
