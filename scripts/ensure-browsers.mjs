// Browser tests drive Debian's Chromium (playwright-core) and Debian's Firefox
// ESR (puppeteer-core, WebDriver BiDi); nothing may download a browser of its
// own. This runs before `pnpm test`: it finds both browsers, or installs the
// missing Debian packages (one apt-get call) when running as root with
// apt-get, or stops with a message that says what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const browsers = [
  { name: "Chromium", pkg: "chromium", env: "CHROMIUM_PATH", fallback: "/usr/bin/chromium" },
  { name: "Firefox", pkg: "firefox-esr", env: "FIREFOX_PATH", fallback: "/usr/bin/firefox-esr" },
].map((b) => ({ ...b, path: process.env[b.env] || b.fallback }));

const missingNow = () => browsers.filter((b) => !existsSync(b.path));
let missing = missingNow();
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && existsSync("/usr/bin/apt-get")) {
  const packages = missing.map((b) => b.pkg);
  console.log(
    `[sabkit] ${missing.map((b) => b.path).join(", ")} not found: installing Debian's ` +
      `${packages.join(" and ")} for the browser tests`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: "inherit", env });
  missing = missingNow();
  if (missing.length === 0) process.exit(0);
}
for (const b of missing) {
  console.error(
    `[sabkit] the browser tests need ${b.name} at ${b.path}. Install it (Debian: ` +
      `\`apt-get install -y ${b.pkg}\`) or set ${b.env} to a ${b.name} binary.`,
  );
}
process.exit(1);
