import {
  BROWSERS,
  BrowserRunError,
  BrowserTimeoutError,
  runInBrowser,
} from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

const page = new URL("./browser/failing.page.ts", import.meta.url);
const workers = { "logging.js": new URL("./browser/logging.worker.ts", import.meta.url) };
// A Firefox launch alone takes seconds, more on a loaded machine.
const BOUND = 40_000;

// The harness in @sabkit/test-utils/browser, checked where it is first used.
describe.each(BROWSERS)("runInBrowser in %s", (browser) => {
  const run = (mode: string, options: { timeoutMs?: number; prelude?: string } = {}) =>
    runInBrowser({
      browser,
      page,
      workers,
      args: { mode },
      timeoutMs: options.timeoutMs ?? BOUND,
      prelude: options.prelude,
    }).catch((e: unknown) => e);

  it(
    "returns a plain (non-promise) result",
    async () => {
      expect(await run("value")).toEqual({ answer: 42 });
    },
    BOUND + 5_000,
  );

  it(
    "runs the prelude before the page's modules, as a script of its own",
    async () => {
      // The "</script>" in it must not end the inline script early.
      const prelude = 'globalThis.__sabkitPrelude = "ran before </script> the page";';
      expect(await run("prelude", { prelude })).toEqual({
        prelude: "ran before </script> the page",
      });
    },
    BOUND + 5_000,
  );

  it.each([
    ["throw", /uncaught error in the page: .*planted page error/s],
    ["reject", /(result rejected|uncaught error in the page): RangeError: planted rejection/],
    ["reject-handled", /the page's result rejected: RangeError: planted result rejection/],
    ["console-error", /console error in the page: planted console error/],
    ["missing", /request failed: 404 http:\/\/127\.0\.0\.1:\d+\/missing\.js/],
    ["worker-throw", /uncaught error in the page: .*planted worker error/s],
  ])(
    "%s -> BrowserRunError with the page's message",
    async (mode, message) => {
      const error = await run(mode);
      expect(error).toBeInstanceOf(BrowserRunError);
      expect((error as Error).message).toMatch(message);
    },
    BOUND + 5_000,
  );

  it(
    "a worker's console.error fails the run; the log has the worker's messages, by thread",
    async () => {
      const error = await run("worker-console");
      expect(error).toBeInstanceOf(BrowserRunError);
      expect((error as Error).message).toMatch(
        /^console error in the worker logging\.js: planted worker console error/,
      );
      expect((error as BrowserRunError).consoleLog).toEqual([
        "[worker logging.js log] hello from the worker",
        "[worker logging.js error] planted worker console error",
      ]);
    },
    BOUND + 5_000,
  );

  it(
    "a page that never reports fails at the time bound",
    async () => {
      const error = await run("hang", { timeoutMs: 4_000 });
      expect(error).toBeInstanceOf(BrowserTimeoutError);
      expect((error as Error).message).toMatch(/no result after 4000 ms/);
    },
    BOUND + 5_000,
  );
});
