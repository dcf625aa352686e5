// pnpm --filter @sabkit/process bench   (builds first: Process runs from dist/, as users get it)
// Scenarios are described in bench/README.md.
import { Worker } from "node:worker_threads";
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import { runBench } from "@sabkit/bench";

// The built package (run `tsup` first; the bench script does): a string specifier keeps
// typecheck independent of the build, the types come from the sources.
const DIST = "../dist/index.js";
const { Process } = (await import(DIST)) as typeof import("../src/index.js");

const here = (file: string) => new URL(`./${file}`, import.meta.url);
const TARGETS = here("targets.mjs");
// Neither side inherits the bench runner's loader flags (tsx): what a user's plain Node program pays.
const execArgv: string[] = [];

async function untilRunning(i32: Int32Array): Promise<void> {
  // Bounded by the worker: it stores 1 as its first instruction.
  while (Atomics.load(i32, 0) === 0) await waitAsync(i32, 0, 0, 5_000);
}

const exited = (worker: Worker) => new Promise<number>((resolve) => worker.once("exit", resolve));
let pending: Promise<unknown>[] = [];
/** Lets the workers of the last case end before the next case is timed. */
async function drain(): Promise<void> {
  await Promise.all(pending);
  pending = [];
}

const COUNT = 10;

await runBench("process", [
  {
    title: "start → first instruction of the target",
    baseline: "new Worker (bare)",
    iterations: 32,
    note: "One op = start a worker and wait (waitAsync) until its first instruction stores a flag; exits overlap the next op.",
    cases: [
      {
        name: "new Worker (bare)",
        teardown: drain,
        run: async () => {
          const i32 = new Int32Array(new SharedArrayBuffer(4));
          const worker = new Worker(here("bare-first.mjs"), { workerData: i32.buffer, execArgv });
          pending.push(exited(worker));
          await untilRunning(i32);
        },
      },
      {
        name: "Process.start()",
        teardown: drain,
        run: async () => {
          const i32 = new Int32Array(new SharedArrayBuffer(4));
          const p = new Process({
            target: TARGETS,
            export: "first",
            args: [i32],
            execArgv,
          }).start();
          pending.push(p.joinAsync());
          await untilRunning(i32);
        },
      },
    ],
  },
  {
    title: `start + join of ${COUNT} processes`,
    baseline: "new Worker (bare)",
    iterations: 16,
    note: `One op = start ${COUNT} workers running an empty module/function and wait until all have exited.`,
    cases: [
      {
        name: "new Worker (bare)",
        ops: 1,
        run: async () => {
          const workers = Array.from(
            { length: COUNT },
            () => new Worker(here("bare-empty.mjs"), { execArgv }),
          );
          await Promise.all(workers.map(exited));
        },
      },
      {
        name: "Process start() + joinAsync()",
        ops: 1,
        run: async () => {
          const ps = Array.from({ length: COUNT }, () =>
            new Process({ target: TARGETS, export: "empty", execArgv }).start(),
          );
          await Promise.all(ps.map((p) => p.joinAsync()));
        },
      },
      {
        name: "Process start() + join() (blocking)",
        ops: 1,
        run: () => {
          const ps = Array.from({ length: COUNT }, () =>
            new Process({ target: TARGETS, export: "empty", execArgv }).start(),
          );
          for (const p of ps) p.join();
          pending.push(...ps.map((p) => p.joinAsync()));
          return drain();
        },
      },
    ],
  },
]);
