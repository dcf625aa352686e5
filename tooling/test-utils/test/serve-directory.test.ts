import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveDirectory } from "../src/browser/index.js";

const root = mkdtempSync(join(tmpdir(), "sabkit-serve-"));
const site = join(root, "dist");
mkdirSync(join(site, "assets"), { recursive: true });
writeFileSync(
  join(site, "index.html"),
  "<!doctype html><html><head><title>t</title></head><body></body></html>",
);
writeFileSync(join(site, "assets", "main.js"), "globalThis.x = 1;");
writeFileSync(join(root, "secret.txt"), "outside the site");
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("serveDirectory (a bundler's output, served as it is)", () => {
  it("serves index.html at / with the prelude first in <head>, files with their type and the isolation headers", async () => {
    const served = await serveDirectory(site, {
      isolated: true,
      prelude: "delete Atomics.waitAsync;",
    });
    try {
      const page = await fetch(`${served.origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(page.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(await page.text()).toBe(
        "<!doctype html><html><head><script>delete Atomics.waitAsync;</script><title>t</title></head><body></body></html>",
      );
      const script = await fetch(`${served.origin}/assets/main.js`);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await script.text()).toBe("globalThis.x = 1;");
    } finally {
      await served.close();
    }
  });

  it("answers 404 for missing files, folders and anything outside the site", async () => {
    const served = await serveDirectory(site, { isolated: false });
    try {
      for (const path of ["/missing.js", "/assets", "/../secret.txt", "/%2e%2e/secret.txt"]) {
        const response = await fetch(`${served.origin}${path}`);
        expect(response.status, path).toBe(404);
        expect(await response.text(), path).not.toContain("outside the site");
      }
      expect(
        (await fetch(`${served.origin}/`)).headers.get("cross-origin-opener-policy"),
      ).toBeNull();
    } finally {
      await served.close();
    }
  });
});
