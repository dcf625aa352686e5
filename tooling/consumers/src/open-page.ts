/**
 * `open-page <site> <chromium|firefox> [--without-wait-async]`: the step that
 * runs a bundled page of a consumer project in a headless browser (test-utils'
 * runBuiltPage: COOP/COEP server, every console error, failed request and
 * uncaught error a failure) and prints its `globalThis.__sabkitResult` as
 * JSON, for the case to compare with its expected text.
 */
import { runBuiltPage, WITHOUT_WAIT_ASYNC } from "@sabkit/test-utils/browser";

const [root, browser, flag] = process.argv.slice(2);
if (root === undefined || (browser !== "chromium" && browser !== "firefox")) {
  console.error("usage: open-page <site folder> <chromium|firefox> [--without-wait-async]");
  process.exit(2);
}
if (flag !== undefined && flag !== "--without-wait-async") {
  console.error(`open-page: unknown flag ${flag}`);
  process.exit(2);
}
const result = await runBuiltPage({
  root,
  browser,
  prelude: flag === undefined ? undefined : WITHOUT_WAIT_ASYNC,
  timeoutMs: 60_000,
});
console.log(JSON.stringify(result));
