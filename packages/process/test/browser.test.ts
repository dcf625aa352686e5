import { BROWSERS, runInBrowser } from "@sabkit/test-utils/browser";
import { describe, expect, it } from "vitest";

const BOUND = 60_000;

describe.each(BROWSERS)("in headless %s on a COOP/COEP page (module workers)", (browser) => {
  it(
    "runs the three-process example, errors, terminate/kill, join timeouts and nested processes",
    async () => {
      const result = await runInBrowser<Record<string, unknown>>({
        browser,
        page: new URL("./browser/process.page.ts", import.meta.url),
        workers: {
          // Where the page bundle's new URL("./bootstrap.js", import.meta.url) points.
          "bootstrap.js": new URL("../src/bootstrap.js", import.meta.url),
          "target.js": new URL("./browser/target.ts", import.meta.url),
        },
        // The failing process prints its traceback with console.error, as Python does.
        failOnConsoleError: false,
        timeoutMs: BOUND,
      });
      expect(result).toEqual({
        isMain: true,
        codes: [0, 0, 0],
        overlapped: true,
        whoCode: 0,
        whoPidMatches: true,
        importedAsMain: 0,
        parentPid: 1,
        failCode: 1,
        failClass: "RangeError",
        failMessage: "out of range",
        failStackHasTarget: true,
        beforeTimeout: null,
        terminated: -15,
        killed: -9,
        joinOnMain: expect.stringMatching(/cannot block .* use await process\.joinAsync\(\)/),
        uncloneable: "TypeError: args[0].f is a function",
        sumCode: 0,
        sum: 42,
        outerCode: 0,
        nestedChildCode: 0,
        nestedChildStarted: true,
      });
    },
    BOUND + 5_000,
  );

  it(
    "a worker entry of the program's own receives a Lock, a Queue and an Event live; a missing kind fails the process at once",
    async () => {
      const result = await runInBrowser<Record<string, unknown>>({
        browser,
        page: new URL("./browser/primitives.page.ts", import.meta.url),
        workers: {
          "primitives-entry.js": new URL("./browser/primitives.worker.ts", import.meta.url),
          "unregistered-entry.js": new URL("./browser/unregistered.worker.ts", import.meta.url),
        },
        // The unregistered process prints its traceback with console.error, as Python does.
        failOnConsoleError: false,
        timeoutMs: BOUND,
      });
      expect(result).toEqual({
        code: 0,
        target: "(worker entry)",
        squares: [1, 4, 9, 16, 25, 36],
        eventSet: true,
        lockFree: true,
        unregisteredCode: 1,
        unregisteredError: "InvalidHandleError",
        unregisteredSays: 'import "@sabkit/lock/register"',
      });
    },
    BOUND + 5_000,
  );
});
