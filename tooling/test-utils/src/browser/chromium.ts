/**
 * Chromium: Debian's package (`CHROMIUM_PATH` overrides `/usr/bin/chromium`)
 * driven by playwright-core over CDP. Never a downloaded browser.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { type BrowserDriver, consoleSource, type PageEvents } from "./driver.js";

/** Chromium flags for a quiet, offline, headless run in a container. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** Launches Debian's Chromium (or `CHROMIUM_PATH`) headless. Never downloads a browser. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  try {
    return await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true });
  } catch (error) {
    throw new Error(
      `could not start Chromium at ${executablePath} (install Debian's package: ` +
        "`apt-get install -y chromium`, or set CHROMIUM_PATH)",
      { cause: error },
    );
  }
}

/** A `BrowserDriver` for a freshly launched Chromium. */
export async function launchChromiumDriver(): Promise<BrowserDriver> {
  const browser = await launchChromium();
  let page: Page | undefined;
  let closing = false;
  return {
    name: "chromium",
    async open(url: string, events: PageEvents) {
      browser.on("disconnected", () => {
        if (!closing) events.crash("Chromium exited");
      });
      page = await browser.newPage();
      // Playwright delivers the page's dedicated workers' console calls here
      // too; message.worker() tells them apart.
      page.on("console", (message) => {
        const worker = message.worker();
        const where = worker ? consoleSource(worker.url()) : "page";
        events.console(where, message.type(), message.text());
      });
      page.on("pageerror", (error) => events.pageError(error.stack ?? error.message));
      page.on("crash", () => events.crash("the page crashed"));
      page.on("response", (response) => events.response(response.status(), response.url()));
      page.on("requestfailed", (request) =>
        events.requestFailed(request.url(), request.failure()?.errorText ?? "unknown"),
      );
      // No navigation timeout of its own: the run's time bound covers it.
      await page.goto(url, { waitUntil: "load", timeout: 0 });
    },
    async evaluate<R>(fn: () => R): Promise<R> {
      if (!page) throw new Error("evaluate before open");
      return (await page.evaluate(fn)) as R;
    },
    async waitForFunction(fn: () => unknown, pollingMs: number) {
      if (!page) throw new Error("waitForFunction before open");
      await page.waitForFunction(fn, undefined, { timeout: 0, polling: pollingMs });
    },
    async close() {
      closing = true;
      await browser.close().catch(() => {});
    },
  };
}
