/**
 * Run test code in headless Chromium, on a page served with the headers that
 * make it cross-origin isolated (so SharedArrayBuffer and Atomics work), and
 * get its result back in the test.
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
 * const result = await runInBrowser({
 *   page: new URL("./browser/wait.page.ts", import.meta.url),
 *   workers: { "notifier.js": new URL("./browser/notifier.worker.ts", import.meta.url) },
 *   timeoutMs: 20_000,
 * });
 * ```
 *
 * What it does: bundles each entry with esbuild (ESM, browser platform, the
 * `source` export condition so workspace packages resolve to their
 * TypeScript sources), serves them from 127.0.0.1 on an ephemeral port with
 * COOP `same-origin`, COEP `require-corp` and CORP `same-origin`, opens the
 * page in Debian's Chromium through playwright-core (never a downloaded
 * browser; `CHROMIUM_PATH` overrides `/usr/bin/chromium`), and resolves with
 * the value of `globalThis.__sabkitResult` once that promise (or value) has
 * settled. Uncaught page errors, `console.error` output, failed requests, a
 * rejected result and the time bound all reject with a message that carries
 * the page's console log. Browser and server are always closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, type ConsoleMessage, chromium } from "playwright-core";

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

export interface BrowserRunOptions {
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
}

/** The page failed: an uncaught error, a rejected result, a console error, a failed request. */
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

const PAGE_HTML = (args: unknown) => `<!doctype html>
<html><head><meta charset="utf-8"><title>sabkit browser test</title>
<script>globalThis.__sabkitArgs = ${JSON.stringify(args ?? null).replace(/</g, "\\u003c")};</script>
<script type="module" src="/page.js"></script>
</head><body></body></html>
`;

interface Served {
  origin: string;
  close(): Promise<void>;
}

/** Serves `files` (and the page HTML at `/`) on 127.0.0.1, an ephemeral port. */
export async function serveFiles(
  files: Map<string, string>,
  options: { isolated: boolean; args?: unknown },
): Promise<Served> {
  const html = PAGE_HTML(options.args);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (options.isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    if (path === "/" || path === "/index.html") {
      response.writeHead(200, { ...headers, "Content-Type": "text/html; charset=utf-8" });
      response.end(html);
      return;
    }
    if (path === "/favicon.ico") {
      // Browsers ask for it on their own; a 404 would show up as a console error.
      response.writeHead(204, headers);
      response.end();
      return;
    }
    const body = files.get(path);
    if (body === undefined) {
      response.writeHead(404, { ...headers, "Content-Type": "text/plain" });
      response.end(`not found: ${path}`);
      return;
    }
    response.writeHead(200, { ...headers, "Content-Type": "text/javascript; charset=utf-8" });
    response.end(body);
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

type Settled = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Bundles and serves the entries, opens the page in headless Chromium and
 * resolves with what the page put in `globalThis.__sabkitResult` (awaited if
 * it is a promise; it must be structured-cloneable / JSON-like).
 */
export async function runInBrowser<T = unknown>(options: BrowserRunOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const isolated = options.isolated ?? true;
  const failOnConsoleError = options.failOnConsoleError ?? true;
  const consoleLog: string[] = [];
  let browser: Browser | undefined;
  let served: Served | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stage = "bundling";
  let finished = false;

  let failNow: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failNow = reject;
  });
  failure.catch(() => {});
  timer = setTimeout(
    () =>
      failNow(
        new BrowserTimeoutError(
          `runInBrowser(${String(options.page)}): no result after ${timeoutMs} ms while ${stage} ` +
            "(a hang, a lost wake-up, or a page that never sets globalThis.__sabkitResult?)",
          consoleLog,
        ),
      ),
    timeoutMs,
  );

  const run = async (): Promise<T> => {
    const files = await bundleEntries(options.page, options.workers);
    stage = "starting the server and Chromium";
    const server = await serveFiles(files, { isolated, args: options.args });
    if (finished) {
      await server.close();
      throw new Error("runInBrowser: finished before the server started");
    }
    served = server;
    const launched = await launchChromium();
    if (finished) {
      // The time bound passed while Chromium was starting: nobody else will close it.
      await launched.close();
      throw new Error("runInBrowser: finished before Chromium started");
    }
    browser = launched;
    const page = await browser.newPage();
    const onConsole = (where: string) => (message: ConsoleMessage) => {
      const line = `[${where} ${message.type()}] ${message.text()}`;
      consoleLog.push(line);
      if (failOnConsoleError && message.type() === "error") {
        failNow(
          new BrowserRunError(`console error in the ${where}: ${message.text()}`, consoleLog),
        );
      }
    };
    page.on("console", onConsole("page"));
    page.on("pageerror", (error) => {
      failNow(
        new BrowserRunError(
          `uncaught error in the page: ${error.stack ?? error.message}`,
          consoleLog,
        ),
      );
    });
    page.on("crash", () => failNow(new BrowserRunError("the page crashed", consoleLog)));
    page.on("response", (response) => {
      if (response.status() >= 400) {
        failNow(
          new BrowserRunError(`request failed: ${response.status()} ${response.url()}`, consoleLog),
        );
      }
    });
    page.on("requestfailed", (request) => {
      failNow(
        new BrowserRunError(
          `request failed: ${request.url()} (${request.failure()?.errorText ?? "unknown"})`,
          consoleLog,
        ),
      );
    });
    stage = "loading the page";
    await page.goto(`${server.origin}/`, { waitUntil: "load" });
    const isolation = await page.evaluate(() => globalThis.crossOriginIsolated === true);
    if (isolated && !isolation) {
      throw new BrowserRunError(
        "the page is not cross-origin isolated (crossOriginIsolated !== true): COOP/COEP headers not applied?",
        consoleLog,
      );
    }
    stage = "waiting for globalThis.__sabkitResult";
    await page.waitForFunction(() => "__sabkitResult" in globalThis, undefined, {
      timeout: 0,
      polling: 50,
    });
    const settled = await page.evaluate(async (): Promise<Settled> => {
      try {
        return {
          ok: true,
          value: await (globalThis as { __sabkitResult?: unknown }).__sabkitResult,
        };
      } catch (error) {
        const e = error as { name?: string; message?: string; stack?: string };
        return {
          ok: false,
          error: e?.stack ?? `${e?.name ?? "Error"}: ${e?.message ?? String(error)}`,
        };
      }
    });
    if (!settled.ok) {
      throw new BrowserRunError(`the page's result rejected: ${settled.error}`, consoleLog);
    }
    return settled.value as T;
  };

  try {
    return await Promise.race([run(), failure]);
  } finally {
    finished = true;
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await served?.close();
  }
}
