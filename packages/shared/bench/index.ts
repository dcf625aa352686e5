// pnpm --filter @sabkit/shared bench — scenarios in bench/README.md.
import { execFileSync } from "node:child_process";
import { type BenchCase, type GroupResult, recordTables, runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { SharedDict } from "../src/index.js";

const peer = new URL("./peer.worker.ts", import.meta.url);
const OPS = 4096; // per worker per timed call
const PYTHON_OPS = 20_000; // per process

let workers: ScenarioWorker[] = [];

async function stop(): Promise<void> {
  const all = workers;
  workers = [];
  for (const w of all) w.worker.postMessage("stop");
  await Promise.all(all.map((w) => w.terminate()));
}

function roundOfBoth(): Promise<void> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const onDone = (message: unknown) => {
            if (message !== "done") return;
            w.worker.off("message", onDone);
            resolve();
          };
          w.worker.on("message", onDone);
          w.worker.postMessage({ n: OPS });
        }),
    ),
  ).then(() => undefined);
}

function sharedDictCase(): BenchCase {
  return {
    name: "SharedDict get/set (2 workers)",
    ops: 2 * OPS,
    setup: () => {
      const dict = new SharedDict<string, number>();
      for (let k = 0; k < 1000; k++) dict.set(`k${k}`, 0);
      workers = [0, 1].map((index) =>
        startWorker(peer, "dictWorker", { args: [dict.handle], index, workers: 2 }),
      );
    },
    teardown: stop,
    run: roundOfBoth,
  };
}

function rpcCase(): BenchCase {
  return {
    name: "Map behind postMessage RPC (2 workers)",
    ops: 2 * OPS,
    setup: () => {
      const map = new Map<string, number>();
      for (let k = 0; k < 1000; k++) map.set(`k${k}`, 0);
      workers = [0, 1].map((index) => {
        const w = startWorker(peer, "rpcWorker", { index, workers: 2 });
        w.worker.on("message", (message: unknown) => {
          if (!Array.isArray(message)) return;
          const [op, key, value] = message as [number, string, number];
          if (op === 1) {
            map.set(key, value);
            w.worker.postMessage({ reply: true });
          } else w.worker.postMessage({ reply: map.get(key) });
        });
        return w;
      });
    },
    teardown: stop,
    run: roundOfBoth,
  };
}

function python(): number | undefined {
  try {
    const out = execFileSync(
      "python3",
      [new URL("./dict-python.py", import.meta.url).pathname, String(PYTHON_OPS)],
      { encoding: "utf8", timeout: 180_000 },
    );
    return (JSON.parse(out.trim()) as { perSecond: number }).perSecond;
  } catch {
    return undefined;
  }
}

const pythonRate = python();
const results: GroupResult[] = await runBench("shared", [
  {
    title: "SharedDict get/set from 2 workers (1,000 string keys, int values, half get / half set)",
    baseline: "Map behind postMessage RPC (2 workers)",
    note: `each timed call: both workers do ${OPS} operations; RPC = one awaited request/reply per operation to a Map in the main thread`,
    cases: [rpcCase(), sharedDictCase()],
  },
]);

const dictRate =
  results[0]?.results.find((r) => r.name.startsWith("SharedDict"))?.opsPerSecond ?? Number.NaN;
const lines = [
  `### vs Python's Manager().dict() (python3 subprocess in the same run, 2 processes × ${PYTHON_OPS} ops)\n`,
  "| Manager().dict() | SharedDict | ratio |",
  "| ---: | ---: | ---: |",
  pythonRate === undefined
    ? "| (python3 failed) | | |"
    : `| ${(pythonRate / 1e3).toFixed(1)} k ops/s | ${(dictRate / 1e6).toFixed(2)} M ops/s | ${(dictRate / pythonRate).toFixed(0)}× |`,
];
console.log(`\n${lines.join("\n")}`);
// Into BENCHMARKS.md after the groups (pnpm bench:report).
recordTables("shared", lines.join("\n"));
