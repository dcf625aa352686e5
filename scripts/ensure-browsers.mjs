// Browser tests drive Debian's Chromium through playwright-core (nothing may
// download a browser of its own). This runs before `pnpm test`: it finds
// Chromium, or installs Debian's package when running as root with apt-get,
// or stops with a message that says what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (existsSync(path)) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && existsSync("/usr/bin/apt-get")) {
  console.log(`[sabkit] ${path} not found: installing Debian's chromium for the browser tests`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  if (existsSync(path)) process.exit(0);
}
console.error(
  `[sabkit] the browser tests need Chromium at ${path}. Install it (Debian: ` +
    "`apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium binary.",
);
process.exit(1);
