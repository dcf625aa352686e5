/**
 * Run test code in a headless browser, headless Chromium or headless Firefox,
 * on a page served with the headers that make it cross-origin isolated (so
 * SharedArrayBuffer and Atomics work), and get its result back in the test.
 *
 * ```ts
 * // wait.page.ts (bundled for the browser)
 * globalThis.__sabkitResult = (async () => {
 *   const worker = new Worker("/notifier.js", { type: "module" });
 *   ...
 *   return { outcome };
 * })();
 *
 * // wait.test.ts
 * describe.each(BROWSERS)("in %s", (browser) => {
 *   it("wakes", async () => {
 *     const result = await runInBrowser({
 *       browser,
 *       page: new URL("./browser/wait.page.ts", import.meta.url),
 *       workers: { "notifier.js": new URL("./browser/notifier.worker.ts", import.meta.url) },
 *       timeoutMs: 20_000,
 *     });
 *   }, 25_000);
 * });
 * ```
 *
 * What it does: bundles each entry with esbuild (ESM, browser platform, the
 * `source` export condition so workspace packages resolve to their
 * TypeScript sources), serves them from 127.0.0.1 on an ephemeral port with
 * COOP `same-origin`, COEP `require-corp` and CORP `same-origin`, opens the
 * page in the chosen browser and resolves with the value of
 * `globalThis.__sabkitResult` once that promise (or value) has settled.
 * Uncaught page errors, `console.error` output of the page or its workers,
 * failed requests (no response, or a status >= 400), a crash, a rejected
 * result and the time bound all reject with a message that carries the
 * console log of the page and its workers. Browser and server are always
 * closed.
 *
 * The browsers are Debian's packages, never downloaded ones:
 *
 * - `"chromium"` (default): `/usr/bin/chromium` (`CHROMIUM_PATH` overrides)
 *   through playwright-core over CDP, with `CHROMIUM_ARGS`.
 * - `"firefox"`: `/usr/bin/firefox-esr` (`FIREFOX_PATH` overrides) through
 *   puppeteer-core over WebDriver BiDi, on a fresh temporary profile with
 *   `FIREFOX_PREFS` (offline and quiet). Firefox reports the console calls of
 *   workers as the page's own log entries, so a message's thread is told by
 *   the script URL of its call site; a crash shows as script calls failing in
 *   the tab's parent-process error page (BiDi has no crash event). See
 *   `firefox.ts`.
 *
 * The browser-specific part is a `BrowserDriver` (driver.ts) with one
 * implementation per browser (chromium.ts, firefox.ts); everything else here
 * is shared.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launchChromiumDriver } from "./chromium.js";
import { type BrowserDriver, type BrowserName, delay, type PageEvents } from "./driver.js";
import { launchFirefoxDriver } from "./firefox.js";

export { CHROMIUM_ARGS, launchChromium } from "./chromium.js";
export {
  BROWSERS,
  type BrowserDriver,
  type BrowserName,
  consoleSource,
  type PageEvents,
} from "./driver.js";
export { FIREFOX_PREFS, launchFirefox } from "./firefox.js";

export interface BrowserRunOptions {
  /** Which browser runs the page (default `"chromium"`); `BROWSERS` lists them all. */
  browser?: BrowserName;
  /** The page's entry module (TypeScript or JavaScript), served as `/page.js`. */
  page: string | URL;
  /**
   * Extra entries served beside the page: `{ "notifier.js": new URL("./notifier.worker.ts", import.meta.url) }`
   * is served at `/notifier.js`. Start them as module workers: `new Worker("/notifier.js", { type: "module" })`.
   */
  workers?: Record<string, string | URL>;
  /** JSON-serializable input, readable in the page as `globalThis.__sabkitArgs`. */
  args?: unknown;
  /** Serve with COOP/COEP/CORP headers (default true). `false` gives a page without SharedArrayBuffer. */
  isolated?: boolean;
  /** Hard bound on the whole run (build, launch, page) in ms (default 30 000). */
  timeoutMs?: number;
  /** Treat `console.error` in the page or its workers as a failure (default true). */
  failOnConsoleError?: boolean;
  /**
   * JavaScript run as a classic script in the page before `/page.js` is even
   * fetched, e.g. `"delete Atomics.waitAsync"` to look like an engine without
   * it to every module the page imports. Page only, not workers.
   */
  prelude?: string;
}

/**
 * A `prelude` that makes the page an engine without `Atomics.waitAsync` for
 * every module it loads (workers keep theirs): the wait layer
 * (`@sabkit/atomics-sync-polyfill`) then takes its fallbacks, a helper worker
 * or polling, from its first call on.
 */
export const WITHOUT_WAIT_ASYNC = "delete Atomics.waitAsync;";

/** The page failed: an uncaught error, a rejected result, a console error, a failed request, a crash. */
export class BrowserRunError extends Error {
  override readonly name: string = "BrowserRunError";
  constructor(
    message: string,
    /** Everything the page and its workers printed, in order. */
    readonly consoleLog: readonly string[],
  ) {
    super(
      consoleLog.length ? `${message}\n--- browser console ---\n${consoleLog.join("\n")}` : message,
    );
  }
}

/** The run outlived its time bound. */
export class BrowserTimeoutError extends BrowserRunError {
  override readonly name: string = "BrowserTimeoutError";
}

const SERVED_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.m?js$/;

function toPath(entry: string | URL): string {
  return entry instanceof URL || entry.startsWith("file:") ? fileURLToPath(entry) : entry;
}

/** Bundles the page and worker entries; returns served path -> JavaScript text. */
export async function bundleEntries(
  page: string | URL,
  workers: Record<string, string | URL> = {},
): Promise<Map<string, string>> {
  const entries = [{ served: "page.js", file: toPath(page) }];
  for (const [served, file] of Object.entries(workers)) {
    if (!SERVED_NAME.test(served) || served === "page.js") {
      throw new TypeError(
        `runInBrowser: worker name "${served}" must be a plain file name ending in .js (not page.js)`,
      );
    }
    entries.push({ served, file: toPath(file) });
  }
  const files = new Map<string, string>();
  // One build per entry: each file is self-contained (no shared chunks to serve).
  await Promise.all(
    entries.map(async ({ served, file }) => {
      const result = await build({
        entryPoints: [file],
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        conditions: ["source"],
        sourcemap: "inline",
        write: false,
        logLevel: "silent",
      });
      const output = result.outputFiles[0];
      if (!output) throw new Error(`runInBrowser: esbuild produced no output for ${file}`);
      files.set(`/${served}`, output.text);
    }),
  );
  return files;
}

/** Keeps inline script text from closing its element early. */
const inlineScript = (code: string) => code.replace(/<\/(script)/gi, "<\\/$1");

const PAGE_HTML = (args: unknown, prelude: string | undefined) => `<!doctype html>
<html><head><meta charset="utf-8"><title>sabkit browser test</title>
<script>globalThis.__sabkitArgs = ${JSON.stringify(args ?? null).replace(/</g, "\\u003c")};</script>
${prelude === undefined ? "" : `<script>${inlineScript(prelude)}</script>\n`}<script type="module" src="/page.js"></script>
</head><body></body></html>
`;

interface Served {
  origin: string;
  close(): Promise<void>;
}

/** A response of the test server: its body and content type. */
interface Resource {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/**
 * Serves what `lookup` finds for each path on 127.0.0.1, an ephemeral port,
 * with COOP/COEP/CORP when `isolated`; anything else is a 404 (which fails a
 * run), but for the favicon browsers ask for on their own.
 */
async function serve(
  lookup: (path: string) => Resource | undefined,
  isolated: boolean,
): Promise<Served> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    const found = lookup(path);
    if (found !== undefined) {
      response.writeHead(200, { ...headers, "Content-Type": found.contentType });
      response.end(found.body);
      return;
    }
    if (path === "/favicon.ico") {
      // Browsers ask for it on their own; a 404 would show up as a console error.
      response.writeHead(204, headers);
      response.end();
      return;
    }
    response.writeHead(404, { ...headers, "Content-Type": "text/plain" });
    response.end(`not found: ${path}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves `files` (and the page HTML at `/`) on 127.0.0.1, an ephemeral port. */
export function serveFiles(
  files: Map<string, string>,
  options: { isolated: boolean; args?: unknown; prelude?: string },
): Promise<Served> {
  const html = PAGE_HTML(options.args, options.prelude);
  return serve((path) => {
    if (path === "/" || path === "/index.html") {
      return { body: html, contentType: CONTENT_TYPES[".html"]! };
    }
    const body = files.get(path);
    return body === undefined ? undefined : { body, contentType: CONTENT_TYPES[".js"]! };
  }, options.isolated);
}

/**
 * Serves a built site (a bundler's output folder) as it is, `index.html` at
 * `/`, with `prelude` run as a classic script at the top of its `<head>`.
 * Paths outside `root` are never served.
 */
export function serveDirectory(
  root: string,
  options: { isolated: boolean; prelude?: string },
): Promise<Served> {
  const base = resolve(root);
  return serve((path) => {
    const file = resolve(base, `.${path === "/" ? "/index.html" : path}`);
    if (file !== base && !file.startsWith(base + sep)) return undefined;
    if (!existsSync(file) || !statSync(file).isFile()) return undefined;
    const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
    if (extname(file) === ".html" && options.prelude !== undefined) {
      const html = readFileSync(file, "utf8").replace(
        /<head[^>]*>/i,
        (head) => `${head}<script>${inlineScript(options.prelude!)}</script>`,
      );
      return { body: html, contentType: type };
    }
    return { body: readFileSync(file), contentType: type };
  }, options.isolated);
}

/** Launches `browser` headless and wraps it in its `BrowserDriver`. Never downloads a browser. */
export function launchBrowser(browser: BrowserName): Promise<BrowserDriver> {
  switch (browser) {
    case "chromium":
      return launchChromiumDriver();
    case "firefox":
      return launchFirefoxDriver();
    default:
      return Promise.reject(
        new TypeError(`runInBrowser: browser must be one of "chromium", "firefox", got ${browser}`),
      );
  }
}

type Settled = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Runs in the page, every `RESULT_POLL_MS` until it returns true: once the
 * page has set `__sabkitResult`, settles it into `__sabkitSettled` (the
 * error as `Name: message` and its stack: SpiderMonkey's `stack` has only
 * the frames). Polling (rather than one long evaluation awaiting the
 * promise) keeps every browser's script calls short, and a pending
 * `waitForFunction` is where Firefox shows a crash. Self-contained: it is
 * sent to the page as source.
 */
function resultSettled(): boolean {
  const g = globalThis as {
    __sabkitResult?: unknown;
    __sabkitSettling?: boolean;
    __sabkitSettled?: unknown;
  };
  if (!("__sabkitResult" in g)) return false;
  if (!g.__sabkitSettling) {
    g.__sabkitSettling = true;
    Promise.resolve(g.__sabkitResult).then(
      (value) => {
        g.__sabkitSettled = { ok: true, value };
      },
      (error) => {
        const e = (error ?? {}) as { name?: string; message?: string; stack?: string };
        const head = e.message === undefined ? String(error) : `${e.name ?? "Error"}: ${e.message}`;
        const stack = typeof e.stack === "string" ? e.stack.trimEnd() : "";
        g.__sabkitSettled = {
          ok: false,
          error: !stack || stack.startsWith(head) ? stack || head : `${head}\n${stack}`,
        };
      },
    );
  }
  return "__sabkitSettled" in g;
}

/** How often the page is asked whether its result has settled (ms). */
const RESULT_POLL_MS = 50;

/** How long a failed run waits for a browser that was still starting to be closed (ms). */
const LATE_CLOSE_BOUND_MS = 20_000;

/**
 * Bundles and serves the entries, opens the page in headless Chromium or
 * Firefox (`options.browser`) and resolves with what the page put in
 * `globalThis.__sabkitResult` (awaited if it is a promise; it must be
 * structured-cloneable / JSON-like).
 */
export function runInBrowser<T = unknown>(options: BrowserRunOptions): Promise<T> {
  const isolated = options.isolated ?? true;
  return runPage<T>({
    label: String(options.page),
    browser: options.browser ?? "chromium",
    timeoutMs: options.timeoutMs ?? 30_000,
    isolated,
    failOnConsoleError: options.failOnConsoleError ?? true,
    preparing: "bundling",
    prepare: async () =>
      serveFiles(await bundleEntries(options.page, options.workers), {
        isolated,
        args: options.args,
        prelude: options.prelude,
      }),
  });
}

/** Options of {@link runBuiltPage}. */
export interface BuiltPageOptions {
  /** Which browser runs the page (default `"chromium"`). */
  browser?: BrowserName;
  /** The built site: a bundler's output folder, with `index.html` at its root. */
  root: string;
  /** Serve with COOP/COEP/CORP headers (default true). */
  isolated?: boolean;
  /** Hard bound on the whole run in ms (default 30 000). */
  timeoutMs?: number;
  /** Treat `console.error` in the page or its workers as a failure (default true). */
  failOnConsoleError?: boolean;
  /** Run as a classic script at the top of `index.html`'s `<head>`, before any module (e.g. {@link WITHOUT_WAIT_ASYNC}). */
  prelude?: string;
}

/**
 * Serves a site a bundler built (as it is: no bundling here) and runs its
 * page as {@link runInBrowser} runs a test page: the same failure rules, time
 * bound and result, `globalThis.__sabkitResult`.
 *
 * @example
 * ```ts
 * const result = await runBuiltPage({ root: "dist", browser: "firefox", prelude: WITHOUT_WAIT_ASYNC });
 * ```
 */
export function runBuiltPage<T = unknown>(options: BuiltPageOptions): Promise<T> {
  const isolated = options.isolated ?? true;
  return runPage<T>({
    label: options.root,
    browser: options.browser ?? "chromium",
    timeoutMs: options.timeoutMs ?? 30_000,
    isolated,
    failOnConsoleError: options.failOnConsoleError ?? true,
    preparing: "starting the server",
    prepare: () => serveDirectory(options.root, { isolated, prelude: options.prelude }),
  });
}

interface PageRun {
  /** Names the page in messages. */
  readonly label: string;
  readonly browser: BrowserName;
  readonly timeoutMs: number;
  readonly isolated: boolean;
  readonly failOnConsoleError: boolean;
  /** What `prepare` does, for the timeout's message. */
  readonly preparing: string;
  /** Makes the page and serves it. */
  prepare(): Promise<Served>;
}

/** Serves the page (`run.prepare`), opens it, and settles with its result or its first failure. */
async function runPage<T>(run: PageRun): Promise<T> {
  const { browser: browserName, timeoutMs, isolated, failOnConsoleError } = run;
  const consoleLog: string[] = [];
  let driver: BrowserDriver | undefined;
  let served: Served | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stage = run.preparing;
  let finished = false;

  // The first failure reported wins: a console error or a crash is the cause
  // of whatever the page's script calls then throw.
  let firstFailure: Error | undefined;
  let rejectFailure: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    rejectFailure = reject;
  });
  failure.catch(() => {});
  const failNow = (error: Error) => {
    firstFailure ??= error;
    rejectFailure(error);
  };
  timer = setTimeout(
    () =>
      failNow(
        new BrowserTimeoutError(
          `${run.label} in ${browserName}: no result after ${timeoutMs} ms while ${stage} ` +
            "(a hang, a lost wake-up, or a page that never sets globalThis.__sabkitResult?)",
          consoleLog,
        ),
      ),
    timeoutMs,
  );

  const events: PageEvents = {
    console(where, type, text) {
      consoleLog.push(`[${where} ${type}] ${text}`);
      if (failOnConsoleError && type === "error") {
        failNow(new BrowserRunError(`console error in the ${where}: ${text}`, consoleLog));
      }
    },
    pageError(description) {
      failNow(new BrowserRunError(`uncaught error in the page: ${description}`, consoleLog));
    },
    crash(description) {
      failNow(new BrowserRunError(description, consoleLog));
    },
    response(status, url) {
      if (status >= 400) {
        failNow(new BrowserRunError(`request failed: ${status} ${url}`, consoleLog));
      }
    },
    requestFailed(url, reason) {
      failNow(new BrowserRunError(`request failed: ${url} (${reason})`, consoleLog));
    },
  };

  const open = async (): Promise<T> => {
    const server = await run.prepare();
    stage = `starting ${browserName}`;
    if (finished) {
      await server.close();
      throw new Error(`${run.label}: finished before the server started`);
    }
    served = server;
    const launched = await launchBrowser(browserName);
    if (finished) {
      // The time bound passed while the browser was starting: nobody else will close it.
      await launched.close();
      throw new Error(`${run.label}: finished before ${browserName} started`);
    }
    driver = launched;
    stage = "loading the page";
    await driver.open(`${server.origin}/`, events);
    const isolation = await driver.evaluate(() => globalThis.crossOriginIsolated === true);
    if (isolated && !isolation) {
      throw new BrowserRunError(
        "the page is not cross-origin isolated (crossOriginIsolated !== true): COOP/COEP headers not applied?",
        consoleLog,
      );
    }
    stage = "waiting for globalThis.__sabkitResult";
    await driver.waitForFunction(resultSettled, RESULT_POLL_MS);
    const settled = await driver.evaluate(
      () => (globalThis as { __sabkitSettled?: unknown }).__sabkitSettled as Settled,
    );
    if (!settled.ok) {
      throw new BrowserRunError(`the page's result rejected: ${settled.error}`, consoleLog);
    }
    return settled.value as T;
  };

  const running = open();
  try {
    return await Promise.race([running, failure]);
  } catch (error) {
    throw firstFailure ?? error;
  } finally {
    finished = true;
    clearTimeout(timer);
    await driver?.close();
    await served?.close();
    // A run stopped by a failure while the browser was still starting closes
    // that browser itself once it is up: wait for it (bounded), so that no
    // browser outlives the test that started it.
    await Promise.race([running.catch(() => {}), delay(LATE_CLOSE_BOUND_MS)]);
  }
}
