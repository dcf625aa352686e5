// pnpm --filter @sabkit/event bench   (SABKIT_BENCH_TIME=<ms per case>)
// Scenarios are described in bench/README.md.
import { runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { Event } from "../src/index.js";

const ROUNDS = 100;
const workerUrl = new URL("./peer.worker.ts", import.meta.url);

let worker: ScenarioWorker | undefined;
let ping = new Event();
let pong = new Event();
let stop = new Event();

function startEventPeer(): void {
  ping = new Event();
  pong = new Event();
  stop = new Event();
  worker = startWorker(workerUrl, "peer", {
    args: ["event", { ping: ping.handle, pong: pong.handle, stop: stop.handle }],
  });
}

async function stopEventPeer(): Promise<void> {
  stop.set();
  ping.set();
  await worker!.terminate();
}

function messageRound(): Promise<void> {
  return new Promise((resolve) => {
    worker!.worker.once("message", () => resolve());
    worker!.worker.postMessage(1);
  });
}

const local = new Event();

await runBench("event", [
  {
    title: "signal round trip between 2 threads",
    baseline: "MessageChannel ping-pong",
    note:
      "One op = main signals the worker and waits for its answer: ping.set(), pong.wait(), pong.clear() " +
      "against the worker's ping.wait(), ping.clear(), pong.set() — both sides sleep, so every op pays two wake-ups.",
    cases: [
      {
        name: "MessageChannel ping-pong",
        ops: ROUNDS,
        setup: () => {
          worker = startWorker(workerUrl, "peer", { args: ["message", {}] });
        },
        teardown: () => worker!.terminate(),
        run: async () => {
          for (let i = 0; i < ROUNDS; i++) await messageRound();
        },
      },
      {
        name: "sabkit Event: set / wait (blocking)",
        ops: ROUNDS,
        setup: startEventPeer,
        teardown: stopEventPeer,
        run: () => {
          for (let i = 0; i < ROUNDS; i++) {
            ping.set();
            pong.wait({ timeout: 10_000 });
            pong.clear();
          }
        },
      },
      {
        name: "sabkit Event: set / await waitAsync",
        ops: ROUNDS,
        setup: startEventPeer,
        teardown: stopEventPeer,
        run: async () => {
          for (let i = 0; i < ROUNDS; i++) {
            ping.set();
            await pong.waitAsync({ timeout: 10_000 });
            pong.clear();
          }
        },
      },
    ],
  },
  {
    title: "uncontended set + isSet + clear (one thread)",
    baseline: "AbortController: new + abort() + aborted",
    note: "One op = one set/isSet/clear cycle with nobody waiting (no notify); baseline: the closest in-process one-shot flag.",
    cases: [
      {
        name: "AbortController: new + abort() + aborted",
        ops: 1_000,
        run: () => {
          let n = 0;
          for (let i = 0; i < 1_000; i++) {
            const c = new AbortController();
            c.abort();
            if (c.signal.aborted) n++;
          }
          return n;
        },
      },
      {
        name: "sabkit Event: set() + isSet() + clear()",
        ops: 1_000,
        run: () => {
          let n = 0;
          for (let i = 0; i < 1_000; i++) {
            local.set();
            if (local.isSet()) n++;
            local.clear();
          }
          return n;
        },
      },
    ],
  },
]);
