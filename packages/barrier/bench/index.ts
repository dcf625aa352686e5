// pnpm --filter @sabkit/barrier bench   (SABKIT_BENCH_TIME=<ms per case>)
// Scenarios are described in bench/README.md.
import { runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { Barrier, WaitGroup } from "../src/index.js";

const ROUNDS = 100; // barrier rounds per timed call
const workerUrl = new URL("./peer.worker.ts", import.meta.url);

let worker: ScenarioWorker | undefined;
let barrier = new Barrier(2);

function startBarrierPeer(): void {
  barrier = new Barrier(2);
  worker = startWorker(workerUrl, "peer", { args: ["barrier", barrier.handle] });
}

async function stopBarrierPeer(): Promise<void> {
  barrier.abort(); // the worker's wait throws BrokenBarrierError and it leaves
  await worker!.terminate();
}

/** A MessageChannel barrier of 2: each party announces its arrival, waits for the other's. */
function messageRound(): Promise<void> {
  return new Promise((resolve) => {
    worker!.worker.once("message", () => resolve());
    worker!.worker.postMessage(1);
  });
}

const group = new WaitGroup();

await runBench("barrier", [
  {
    title: "Barrier round across 2 threads (main + 1 worker)",
    baseline: "MessageChannel barrier (postMessage + reply)",
    note:
      "One op = one generation of a 2-party barrier: both threads arrive, both are released. " +
      "The MessageChannel barrier is the hand-rolled alternative: announce arrival, await the other's.",
    cases: [
      {
        name: "MessageChannel barrier (postMessage + reply)",
        ops: ROUNDS,
        setup: () => {
          worker = startWorker(workerUrl, "peer", { args: ["message", undefined] });
        },
        teardown: () => worker!.terminate(),
        run: async () => {
          for (let i = 0; i < ROUNDS; i++) await messageRound();
        },
      },
      {
        name: "sabkit Barrier.wait() (blocking, spin then sleep)",
        ops: ROUNDS,
        setup: startBarrierPeer,
        teardown: stopBarrierPeer,
        run: () => {
          for (let i = 0; i < ROUNDS; i++) barrier.wait({ timeout: 10_000 });
        },
      },
      {
        name: "sabkit await Barrier.waitAsync() (main) / wait() (worker)",
        ops: ROUNDS,
        setup: startBarrierPeer,
        teardown: stopBarrierPeer,
        run: async () => {
          for (let i = 0; i < ROUNDS; i++) await barrier.waitAsync({ timeout: 10_000 });
        },
      },
    ],
  },
  {
    title: "WaitGroup add + done + wait (one thread, uncontended)",
    baseline: "Promise.all of one resolved task",
    note: "One op = add(1), done(), wait() returning at once; baseline: the in-process equivalent.",
    cases: [
      {
        name: "Promise.all of one resolved task",
        ops: 1_000,
        run: async () => {
          for (let i = 0; i < 1_000; i++) await Promise.all([Promise.resolve()]);
        },
      },
      {
        name: "sabkit WaitGroup add(1) + done() + wait()",
        ops: 1_000,
        run: () => {
          for (let i = 0; i < 1_000; i++) {
            group.add(1);
            group.done();
            group.wait();
          }
        },
      },
    ],
  },
]);
