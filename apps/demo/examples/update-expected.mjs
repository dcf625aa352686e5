// Regenerates expected/<name>.txt from the Python originals in python/:
//   node examples/update-expected.mjs        (in apps/demo; needs python3)
// Each file is what `python3 python/<name>.py` prints. `-I` keeps the
// script's directory off sys.path, so python/queue.py does not shadow the
// standard library's queue module.
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";

const here = new URL("./", import.meta.url);
for (const file of readdirSync(new URL("python/", here)).filter((f) => f.endsWith(".py"))) {
  const stdout = execFileSync("python3", ["-I", new URL(`python/${file}`, here).pathname], {
    encoding: "utf8",
    timeout: 60_000,
  });
  writeFileSync(new URL(`expected/${file.replace(/\.py$/, ".txt")}`, here), stdout);
  console.log(`expected/${file.replace(/\.py$/, ".txt")}: ${stdout.split("\n").length - 1} lines`);
}
