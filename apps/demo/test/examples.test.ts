// Runs every example under examples/ as a child process with the command of
// the package's `example` script (what `pnpm --filter @sabkit/demo example
// <name>` runs), and compares its stdout with expected/<name>.txt, the
// output of its Python original (examples/update-expected.mjs).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { delimiter } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { repr, str } from "../examples/lib/repr.js";

const demo = fileURLToPath(new URL("..", import.meta.url));
const examples = new URL("../examples/", import.meta.url);
const script: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  .scripts.example;

/** Each example's time bound: ten processes starting on 2 loaded cores take a while. */
const TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pnpm example <name>`: the script's command in a shell, with node_modules/.bin on PATH, as pnpm runs it. */
function runExample(name: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "sh",
      ["-c", `${script} "$0"`, name],
      {
        cwd: demo,
        timeout: TIMEOUT_MS,
        env: { ...process.env, PATH: `${demo}node_modules/.bin${delimiter}${process.env.PATH}` },
      },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
      },
    );
  });
}

function expected(name: string): string {
  return readFileSync(new URL(`expected/${name}.txt`, examples), "utf8");
}

const lines = (text: string) => text.split("\n");
const sorted = (text: string) => lines(text).sort();

/**
 * How each example's stdout is compared with Python's. Exact unless the order
 * of lines is not deterministic in Python either (processes printing
 * concurrently): then as a multiset of lines.
 */
const checks: Record<string, (actual: string, python: string) => void> = {
  // Three processes print at the same moment, in any order.
  processes: (actual, python) => {
    expect(sorted(actual)).toEqual(sorted(python));
    expect(sorted(actual)).toEqual(["", "Worker: 0", "Worker: 1", "Worker: 2"]);
  },
  "pool-map": (actual, python) => expect(actual).toBe(python),
  queue: (actual, python) => expect(actual).toBe(python),
  // Ten processes print in the order they get the lock: any order, whole lines.
  lock: (actual, python) => {
    expect(sorted(actual)).toEqual(sorted(python));
    expect(lines(actual).filter((l) => l.startsWith("hello world "))).toHaveLength(10);
  },
  pipe: (actual, python) => expect(actual).toBe(python),
  manager: (actual, python) => expect(actual).toBe(python),
  // Two phases, each ended by joining both processes, so the headers and the
  // phase each line belongs to are fixed. Within the Lock.all phase either
  // process may go first; in the broken phase the order is causal (B-then-A
  // reports, then releases B, which A-then-B is waiting for), but the two
  // processes' output reaches the parent's stdout through separate channels.
  deadlock: (actual, python) => {
    const phases = (text: string) =>
      text
        .split(/^(?=Lock\.all:$)/m)
        .map((phase) => [phase.split("\n")[0], ...phase.split("\n").slice(1).sort()]);
    expect(phases(actual)).toEqual(phases(python));
    expect(lines(actual)).toHaveLength(7);
  },
};

describe("examples: each runs with the example script and prints what its Python original prints", () => {
  it("every example has a check, an expected output and a Python original", () => {
    const names = (dir: string, ext: string) =>
      readdirSync(new URL(dir, examples))
        .filter((f) => f.endsWith(ext))
        .map((f) => f.slice(0, -ext.length))
        .filter((n) => n !== "run")
        .sort();
    const all = Object.keys(checks).sort();
    expect(names(".", ".ts")).toEqual(all);
    expect(names("expected/", ".txt")).toEqual(all);
    expect(names("python/", ".py")).toEqual(all);
    // The runner lists the same examples, in the README's order.
    expect(readFileSync(new URL("run.ts", examples), "utf8")).toContain(
      `const examples = [${Object.keys(checks)
        .map((n) => `"${n}"`)
        .join(", ")}];`,
    );
  });

  for (const [name, check] of Object.entries(checks)) {
    it(
      name,
      async () => {
        const run = await runExample(name);
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        check(run.stdout, expected(name));
      },
      TIMEOUT_MS + 5_000,
    );
  }

  it("an unknown name lists the examples and exits with 2", async () => {
    const run = await runExample("nope");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('no example "nope"');
    expect(run.stderr).toContain("processes, pool-map, queue, lock, pipe, manager, deadlock");
  });
});

describe("lib/repr: Python's repr, checked against python3's output", () => {
  it("scalars, with JavaScript numbers as Python ints and floats", () => {
    expect(
      repr([
        null,
        undefined,
        true,
        false,
        0,
        -3,
        0.25,
        1e-7,
        1e21,
        1.5e300,
        Number.NaN,
        Infinity,
        -0,
      ]),
    ).toBe("[None, None, True, False, 0, -3, 0.25, 1e-07, 1e+21, 1.5e+300, nan, inf, -0.0]");
  });

  it("strings in Python's quotes and escapes", () => {
    expect(
      repr([
        "it's",
        'say "hi"',
        "both ' and \"",
        "tab\there",
        "nl\n",
        "back\\slash",
        "\x01",
        "é€😀",
      ]),
    ).toBe(
      `["it's", 'say "hi"', 'both \\' and "', 'tab\\there', 'nl\\n', 'back\\\\slash', '\\x01', 'é€😀']`,
    );
    expect(str("hello")).toBe("hello");
  });

  it("Maps and plain objects as dicts, nested", () => {
    expect(
      repr(
        new Map<unknown, unknown>([
          [1, "1"],
          ["2", [2, { x: null }]],
        ]),
      ),
    ).toBe("{1: '1', '2': [2, {'x': None}]}");
    expect(() => repr(() => 1)).toThrow(TypeError);
  });
});
