// pnpm --filter @sabkit/atomics-sync-polyfill bench
// Scenarios are described in bench/README.md.
import { type BenchCase, runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { notify, waitAsync, waitSync } from "../src/index.js";
import { spinWait } from "../src/internal.js";

const TURN = 0;
const STOP = 1;
const SPIN_LIMIT = 100;
const ROUND_TRIPS = 100; // per timed call, so one sample is well above timer resolution
const workerUrl = new URL("./peer.worker.ts", import.meta.url);

let worker: ScenarioWorker | undefined;
let i32 = new Int32Array(new SharedArrayBuffer(8));

function start(mode: string): () => void {
  return () => {
    i32 = new Int32Array(new SharedArrayBuffer(8));
    worker = startWorker(workerUrl, "peer", { args: [mode, i32.buffer] });
  };
}

async function stop(): Promise<void> {
  const w = worker!;
  worker = undefined;
  // Ask a shared-memory peer to stop, then wait for it to leave.
  Atomics.store(i32, STOP, 1);
  notify(i32, TURN);
  await w.terminate();
}

/** One round trip: hand the worker an odd turn, wait until it hands back the even one. */
function roundTripSync(spin: boolean): void {
  const mine = Atomics.load(i32, TURN) + 1;
  // Publishes the turn to the worker; pairs with its load of TURN.
  Atomics.store(i32, TURN, mine);
  notify(i32, TURN);
  for (let i = 0; Atomics.load(i32, TURN) === mine; i++) {
    if (spin && i < SPIN_LIMIT) spinWait(i);
    else waitSync(i32, TURN, mine);
  }
}

async function roundTripAsync(): Promise<void> {
  const mine = Atomics.load(i32, TURN) + 1;
  Atomics.store(i32, TURN, mine);
  notify(i32, TURN);
  while (Atomics.load(i32, TURN) === mine) await waitAsync(i32, TURN, mine);
}

function pingPong(): Promise<void> {
  return new Promise((resolve) => {
    worker!.worker.once("message", () => resolve());
    worker!.worker.postMessage(1);
  });
}

const cases: BenchCase[] = [
  {
    name: "MessageChannel ping-pong",
    ops: ROUND_TRIPS,
    setup: start("message"),
    teardown: () => worker!.terminate(),
    run: async () => {
      for (let n = 0; n < ROUND_TRIPS; n++) await pingPong();
    },
  },
  {
    name: "notify + waitSync (both block)",
    ops: ROUND_TRIPS,
    setup: start("block"),
    teardown: stop,
    run: () => {
      for (let n = 0; n < ROUND_TRIPS; n++) roundTripSync(false);
    },
  },
  {
    name: "spin then wait (both sides)",
    ops: ROUND_TRIPS,
    setup: start("spin-then-wait"),
    teardown: stop,
    run: () => {
      for (let n = 0; n < ROUND_TRIPS; n++) roundTripSync(true);
    },
  },
  {
    name: "waitAsync (main) / waitSync (worker)",
    ops: ROUND_TRIPS,
    setup: start("block"),
    teardown: stop,
    run: async () => {
      for (let n = 0; n < ROUND_TRIPS; n++) await roundTripAsync();
    },
  },
];

await runBench("atomics-sync-polyfill", [
  {
    title: "wake-up round trip between two threads",
    baseline: "MessageChannel ping-pong",
    cases,
    note:
      "One op = one round trip: main hands a turn to a worker and waits until the worker hands it back. " +
      `Spin-then-wait spins up to ${SPIN_LIMIT} bounded-backoff steps before sleeping.`,
  },
]);
