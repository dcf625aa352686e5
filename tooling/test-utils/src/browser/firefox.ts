/**
 * Firefox: Debian's `firefox-esr` (`FIREFOX_PATH` overrides
 * `/usr/bin/firefox-esr`) driven by puppeteer-core over WebDriver BiDi.
 * Playwright cannot drive a stock Firefox (it needs its own patched build),
 * and nothing may download a browser, so puppeteer-core it is.
 *
 * What differs from Chromium, and how this driver makes up for it:
 *
 * - Console messages. Firefox reports the console calls of dedicated workers
 *   (nested and Blob-URL workers too) as log entries of the page: same
 *   browsing context, same realm (the page's window realm), so BiDi cannot
 *   say which thread logged. The call site's script URL can: the page is
 *   `/page.js`, a worker is its own served entry (see `consoleSource`).
 *   puppeteer's `ConsoleMessage.text()` prints non-primitive arguments as
 *   `JSHandle@error`, which loses an error's message, so the driver reads
 *   the BiDi `log.entryAdded` events themselves, whose `text` Firefox
 *   formats (`RangeError: boom Object(1)`).
 * - Uncaught errors of workers that the page does not cancel
 *   (`event.preventDefault()` in `worker.onerror`) propagate to the page and
 *   arrive as `javascript` log entries, as in Chromium.
 * - Crashes. BiDi has no crash event: when the content process dies the tab
 *   becomes a parent-process error page, and script calls into it fail with
 *   "not supported for parent process browsing contexts". A pending
 *   `waitForFunction` is re-run when the page's realm goes away, so that is
 *   where a crash shows; the driver reports it as one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { type BrowserDriver, consoleSource, delay, type PageEvents } from "./driver.js";

/**
 * Preferences for a quiet, offline run, on top of the ones puppeteer writes
 * into every profile it creates (no updates, no safe-browsing lists, no
 * data reporting, no slow-script dialogs, ...): nothing may reach the network
 * but the test server on 127.0.0.1.
 */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  // Updates of the browser, add-ons, system add-ons, plugins and blocklists.
  "app.update.auto": false,
  "app.update.enabled": false,
  "extensions.update.autoUpdateDefault": false,
  "extensions.systemAddon.update.enabled": false,
  "extensions.blocklist.enabled": false,
  "media.gmp-gmpopenh264.enabled": false,
  // Telemetry, studies, experiments and pings.
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.unified": false,
  "toolkit.telemetry.archive.enabled": false,
  "toolkit.telemetry.server": "",
  "toolkit.telemetry.newProfilePing.enabled": false,
  "toolkit.telemetry.shutdownPingSender.enabled": false,
  "toolkit.telemetry.firstShutdownPing.enabled": false,
  "toolkit.telemetry.updatePing.enabled": false,
  "toolkit.telemetry.bhrPing.enabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "app.normandy.enabled": false,
  "app.shield.optoutstudies.enabled": false,
  "messaging-system.rsexperimentloader.enabled": false,
  "browser.ping-centre.telemetry": false,
  "browser.newtabpage.activity-stream.feeds.telemetry": false,
  "browser.newtabpage.activity-stream.telemetry": false,
  // Connectivity and captive-portal checks, region and geolocation lookups.
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "captivedetect.canonicalURL": "",
  "browser.region.network.url": "",
  "browser.region.update.enabled": false,
  "geo.provider.network.url": "",
  // Safe-browsing list downloads, remote settings, CRLite, OCSP.
  "browser.safebrowsing.provider.google4.updateURL": "",
  "browser.safebrowsing.provider.google.updateURL": "",
  "browser.safebrowsing.provider.mozilla.updateURL": "",
  "security.remote_settings.crlite_filters.enabled": false,
  "security.remote_settings.intermediates.enabled": false,
  "security.OCSP.enabled": 0,
  // Push, accounts and sync, discovery, sponsored tiles, first-run pages.
  "dom.push.connection.enabled": false,
  "dom.push.serverURL": "",
  "identity.fxaccounts.enabled": false,
  "browser.discovery.enabled": false,
  "browser.topsites.contile.enabled": false,
  "browser.aboutwelcome.enabled": false,
  // No speculative traffic, no DNS over HTTPS, no HTTP/3 (as --disable-quic), no system proxy.
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "network.predictor.enabled": false,
  "network.trr.mode": 5,
  "network.http.http3.enable": false,
  "network.proxy.type": 0,
};

/** How long a close may take before the browser process is killed. */
const CLOSE_BOUND_MS = 10_000;

/** A BiDi `log.entryAdded` event, the fields this driver reads. */
interface LogEntry {
  type: string;
  level?: string;
  method?: string;
  text?: string | null;
  stackTrace?: {
    callFrames: { functionName: string; url: string; lineNumber: number; columnNumber: number }[];
  };
}

interface BidiEvents {
  on(event: "log.entryAdded", listener: (entry: LogEntry) => void): unknown;
}

/** Launches Debian's Firefox ESR (or `FIREFOX_PATH`) headless on a fresh profile. Never downloads a browser. */
export async function launchFirefox(): Promise<{ browser: Browser; profile: string }> {
  const executablePath = process.env.FIREFOX_PATH || "/usr/bin/firefox-esr";
  // A profile of our own (puppeteer writes its prefs into it), removed after
  // the run even when the browser had to be killed.
  const profile = await mkdtemp(join(tmpdir(), "sabkit-firefox-"));
  try {
    const browser = await puppeteer.launch({
      browser: "firefox",
      executablePath,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: { ...FIREFOX_PREFS },
      // The page keeps the window's size; no viewport emulation round trip.
      defaultViewport: null,
      // No launch timeout of its own: the run's time bound covers it.
      timeout: 0,
      env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: "1" },
    });
    return { browser, profile };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `could not start Firefox at ${executablePath} (install Debian's package: ` +
        "`apt-get install -y firefox-esr`, or set FIREFOX_PATH)",
      { cause: error },
    );
  }
}

/** True for the error script calls get from a tab whose content process died. */
function isCrash(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (/parent process browsing context/.test(e.message)) return true;
  }
  return false;
}

/** The BiDi connection's event emitter: puppeteer keeps it off its public types. */
function bidiEvents(browser: Browser): BidiEvents {
  const connection = (browser as unknown as { connection?: Partial<BidiEvents> }).connection;
  if (typeof connection?.on !== "function") {
    throw new Error("puppeteer-core does not expose its WebDriver BiDi connection any more");
  }
  return connection as BidiEvents;
}

function describeLogEntry(entry: LogEntry): string {
  const frames = (entry.stackTrace?.callFrames ?? []).map(
    (frame) =>
      `    at ${frame.functionName || "<anonymous>"} (${frame.url}:${frame.lineNumber + 1}:${frame.columnNumber + 1})`,
  );
  return [entry.text ?? "", ...frames].join("\n");
}

/** A `BrowserDriver` for a freshly launched Firefox. */
export async function launchFirefoxDriver(): Promise<BrowserDriver> {
  const { browser, profile } = await launchFirefox();
  let page: Page | undefined;
  let closing = false;
  let crashed: ((description: string) => void) | undefined;
  // Turns a failed script call into a crash report when the tab died.
  const watch = async <R>(call: () => Promise<R>): Promise<R> => {
    try {
      return await call();
    } catch (error) {
      if (isCrash(error)) crashed?.("the page crashed (its content process died)");
      throw error;
    }
  };
  return {
    name: "firefox",
    async open(url: string, events: PageEvents) {
      crashed = events.crash;
      browser.on("disconnected", () => {
        if (!closing) events.crash("Firefox exited");
      });
      bidiEvents(browser).on("log.entryAdded", (entry) => {
        const where = consoleSource(entry.stackTrace?.callFrames[0]?.url);
        if (entry.type === "console") {
          // `method` is the console method (log, info, warn, error, debug).
          events.console(where, entry.method ?? entry.level ?? "log", entry.text ?? "");
        } else if (entry.type === "javascript") {
          events.pageError(describeLogEntry(entry));
        }
      });
      page = await browser.newPage();
      page.on("response", (response) => events.response(response.status(), response.url()));
      page.on("requestfailed", (request) =>
        events.requestFailed(request.url(), request.failure()?.errorText ?? "unknown"),
      );
      await watch(() => (page as Page).goto(url, { waitUntil: "load", timeout: 0 }));
    },
    async evaluate<R>(fn: () => R): Promise<R> {
      if (!page) throw new Error("evaluate before open");
      const open = page;
      return (await watch(() => open.evaluate(fn))) as R;
    },
    async waitForFunction(fn: () => unknown, pollingMs: number) {
      if (!page) throw new Error("waitForFunction before open");
      const open = page;
      await watch(() => open.waitForFunction(fn, { timeout: 0, polling: pollingMs }));
    },
    async close() {
      closing = true;
      const closed = browser.close().then(
        () => true,
        () => false,
      );
      if (!(await Promise.race([closed, delay(CLOSE_BOUND_MS).then(() => false)]))) {
        // It did not close in time: end the process this run started, so no
        // Firefox outlives its test.
        browser.process()?.kill("SIGKILL");
      }
      await rm(profile, { recursive: true, force: true }).catch(() => {});
    },
  };
}
