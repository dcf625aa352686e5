/**
 * The little that `runInBrowser` needs from a browser, behind one interface
 * so that the run itself (server, failure reporting, time bound, result) is
 * written once: open one page with its event hooks, evaluate and wait for
 * functions in it, close. `chromium.ts` implements it with playwright-core
 * over CDP, `firefox.ts` with puppeteer-core over WebDriver BiDi.
 */

/** The browsers `runInBrowser` can drive. */
export type BrowserName = "chromium" | "firefox";

/** Every browser the browser tests run in: `describe.each(BROWSERS)("in %s", (browser) => ...)`. */
export const BROWSERS: readonly BrowserName[] = ["chromium", "firefox"];

/** What the page and its workers report, in the same terms for every browser. */
export interface PageEvents {
  /**
   * A console message. `where` is `"page"` or `"worker <served name>"` (a
   * Blob-URL worker is `"worker blob"`); `type` is the console method's level
   * (`log`, `info`, `warn`/`warning`, `error`, `debug`).
   */
  console(where: string, type: string, text: string): void;
  /** An uncaught error or unhandled rejection, in the page or propagated from a worker. */
  pageError(description: string): void;
  /** The page's renderer or the browser went away. */
  crash(description: string): void;
  /** A response arrived (any status; the run decides what fails). */
  response(status: number, url: string): void;
  /** A request failed without a response (refused, aborted, blocked). */
  requestFailed(url: string, reason: string): void;
}

/** One launched browser with (after `open`) one page. */
export interface BrowserDriver {
  readonly name: BrowserName;
  /** Opens the page with `events` attached, navigates to `url` and resolves at its load event. */
  open(url: string, events: PageEvents): Promise<void>;
  /** Runs `fn` (synchronous and self-contained: it is sent as source) in the page; resolves with its JSON-like value. */
  evaluate<R>(fn: () => R): Promise<R>;
  /** Resolves once `fn` returns a truthy value in the page, asked every `pollingMs`. No time bound of its own. */
  waitForFunction(fn: () => unknown, pollingMs: number): Promise<void>;
  /** Closes the browser (and its page); never rejects. */
  close(): Promise<void>;
}

/**
 * `"page"` or `"worker <name>"` for a console message whose call site is the
 * script at `url`: the page is the bundle served as `/page.js` (and the
 * inline scripts of `/`); anything else served here is a worker entry.
 */
export function consoleSource(url: string | undefined): string {
  if (!url) return "page";
  if (url.startsWith("blob:")) return "worker blob";
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return "page";
  }
  if (path === "/" || path === "/index.html" || path === "/page.js") return "page";
  return `worker ${path.slice(1)}`;
}

/** Resolves after `ms`, without holding the process open. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
