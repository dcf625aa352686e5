import { BrowserRunError, BrowserTimeoutError, runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

const page = new URL("./browser/failing.page.ts", import.meta.url);
const run = (mode: string, timeoutMs = 20_000) =>
  runInBrowser({ page, args: { mode }, timeoutMs }).catch((e: unknown) => e);

// The harness in @sabkit/test-utils/browser, checked where it is first used.
describe("runInBrowser turns page failures into test failures", () => {
  it("returns a plain (non-promise) result", async () => {
    expect(await run("value")).toEqual({ answer: 42 });
  }, 25_000);

  it.each([
    ["throw", /uncaught error in the page: .*planted page error/s],
    ["reject", /(result rejected|uncaught error in the page): RangeError: planted rejection/],
    ["console-error", /console error in the page: planted console error/],
  ])(
    "%s -> BrowserRunError with the page's message",
    async (mode, message) => {
      const error = await run(mode);
      expect(error).toBeInstanceOf(BrowserRunError);
      expect((error as Error).message).toMatch(message);
    },
    25_000,
  );

  it("a page that never reports fails at the time bound", async () => {
    const error = await run("hang", 4_000);
    expect(error).toBeInstanceOf(BrowserTimeoutError);
    expect((error as Error).message).toMatch(/no result after 4000 ms/);
  }, 25_000);
});
