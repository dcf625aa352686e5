// pnpm --filter @sabkit/lock bench   (SABKIT_BENCH_TIME=300 for a quick run)
// Scenarios are described in bench/README.md.
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { runBench } from "@sabkit/bench";
import { share } from "@sabkit/core";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { Mutex } from "async-mutex";
import { Lock } from "../src/index.js";
import { WAITERS } from "../src/internal.js";
import { BATCH, DONE, GO, STOP } from "./peer.worker.js";

const peerUrl = new URL("./peer.worker.ts", import.meta.url);
const OPS = 1000; // uncontended operations per timed call
const CONTENDED_BATCH = 2000; // per worker per timed call
const HANDOFFS = 20; // per timed call

let sink = 0;
const cas = new Int32Array(new SharedArrayBuffer(4));
const lock = new Lock();
const mutex = new Mutex();
const protectedCounter = new Int32Array(new SharedArrayBuffer(4));

// ---- workers for the contended and hand-off groups ----
let workers: ScenarioWorker[] = [];
let control = new Int32Array(new SharedArrayBuffer(16));
let shared = {
  lock: new Lock(),
  spin: new Int32Array(new SharedArrayBuffer(4)),
  counter: new Int32Array(new SharedArrayBuffer(4)),
  control,
};

function start(mode: string, count: number, batch: number): () => Promise<void> {
  return async () => {
    control = new Int32Array(new SharedArrayBuffer(16));
    shared = { ...shared, lock: new Lock(), control };
    Atomics.store(control, BATCH, batch);
    workers = Array.from({ length: count }, (_, index) =>
      startWorker(peerUrl, "peer", { args: [mode, share(shared)], index, workers: count }),
    );
    for (const w of workers) {
      w.result.catch((error: Error) => {
        if (error.name !== "ScenarioError") return; // terminated by stop()
        console.error(error);
        process.exit(1);
      });
    }
    // Wait until the workers run (one empty batch).
    await roundAsync(count, 0);
  };
}

async function stop(): Promise<void> {
  Atomics.store(control, STOP, 1);
  notify(control, GO);
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
}

/** Starts a batch on every worker and waits (blocking) until all finished. */
function round(count: number): void {
  const target = Atomics.load(control, DONE) + count;
  Atomics.add(control, GO, 1); // publishes the batch to the workers' loads of GO
  notify(control, GO);
  for (let done = Atomics.load(control, DONE); done < target; done = Atomics.load(control, DONE)) {
    waitSync(control, DONE, done);
  }
}

async function roundAsync(count: number, batch: number): Promise<void> {
  const saved = Atomics.load(control, BATCH);
  Atomics.store(control, BATCH, batch);
  const target = Atomics.load(control, DONE) + count;
  Atomics.add(control, GO, 1);
  notify(control, GO);
  while (Atomics.load(control, DONE) < target) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(control, BATCH, saved);
}

/** One hand-off: hold the lock, let the worker block on it, release, wait for its report. */
function handOff(): void {
  const held = shared.lock.acquire();
  const target = Atomics.load(control, DONE) + 1;
  Atomics.add(control, GO, 1);
  notify(control, GO);
  const words = new Int32Array(shared.lock.handle.buffer);
  // The worker is asleep (or about to be) once it registered as a waiter.
  // Poll politely (20 µs sleeps): a spinning main thread would take the core
  // the worker needs.
  for (let i = 0; Atomics.load(words, WAITERS) === 0 && i < 100_000; i++) {
    waitSync(words, WAITERS, 0, 0.02);
  }
  held.release();
  for (let done = Atomics.load(control, DONE); done < target; done = Atomics.load(control, DONE)) {
    waitSync(control, DONE, done);
  }
}

/** The same round trip without the lock (signal and report: two wake-ups). */
function signalOnly(): void {
  round(1);
}

await runBench("lock", [
  {
    title: "uncontended acquire + release (one thread)",
    baseline: "bare CAS + store (floor)",
    note: "One op = take and give back a free lock. async-mutex is in-thread only (no shared memory); sabkit's async form pays a promise per op like it.",
    cases: [
      {
        name: "bare CAS + store (floor)",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            if (Atomics.compareExchange(cas, 0, 0, 1) === 0) sink++;
            Atomics.store(cas, 0, 0);
          }
        },
      },
      {
        name: "Lock: using held = lock.acquire()",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            using _held = lock.acquire();
            sink++;
          }
        },
      },
      {
        name: "Lock: tryAcquire() + release()",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            if (lock.tryAcquire()) sink++;
            lock.release();
          }
        },
      },
      {
        name: "Lock: await lock.acquireAsync()",
        ops: OPS,
        run: async () => {
          for (let i = 0; i < OPS; i++) {
            const held = await lock.acquireAsync();
            sink++;
            held.release();
          }
        },
      },
      {
        name: "async-mutex: await mutex.runExclusive(fn)",
        ops: OPS,
        run: async () => {
          for (let i = 0; i < OPS; i++) await mutex.runExclusive(() => sink++);
        },
      },
    ],
  },
  {
    title: "contended throughput: 2 workers × plain increments under the lock",
    baseline: "CAS spinlock with backoff (floor)",
    note: `One op = one acquire + increment + release; each timed call runs ${CONTENDED_BATCH} per worker. The spinlock never sleeps (it burns a core while waiting).`,
    cases: [
      {
        name: "CAS spinlock with backoff (floor)",
        ops: 2 * CONTENDED_BATCH,
        setup: start("spin", 2, CONTENDED_BATCH),
        teardown: stop,
        run: () => round(2),
      },
      {
        name: "Lock: acquire() in both workers",
        ops: 2 * CONTENDED_BATCH,
        setup: start("lock", 2, CONTENDED_BATCH),
        teardown: stop,
        run: () => round(2),
      },
      {
        name: "Lock: acquireAsync() in both workers",
        ops: 2 * CONTENDED_BATCH,
        setup: start("lock-async", 2, CONTENDED_BATCH),
        teardown: stop,
        run: () => round(2),
      },
    ],
  },
  {
    title: "hand-off to a sleeping waiter (main thread releases, a worker wakes with the lock)",
    baseline: "signal + report, no lock (2 wake-ups)",
    note: "One op = main wakes the worker, the worker blocks on the lock main holds, main releases it, the worker reports back. Subtract the baseline for the cost of the hand-off itself.",
    cases: [
      {
        name: "signal + report, no lock (2 wake-ups)",
        ops: HANDOFFS,
        setup: start("signal", 1, 0),
        teardown: stop,
        run: () => {
          for (let i = 0; i < HANDOFFS; i++) signalOnly();
        },
      },
      {
        name: "+ hand-off to lock.acquire()",
        ops: HANDOFFS,
        setup: start("handoff", 1, 0),
        teardown: stop,
        run: () => {
          for (let i = 0; i < HANDOFFS; i++) handOff();
        },
      },
      {
        name: "+ hand-off to lock.acquireAsync()",
        ops: HANDOFFS,
        setup: start("handoff-async", 1, 0),
        teardown: stop,
        run: () => {
          for (let i = 0; i < HANDOFFS; i++) handOff();
        },
      },
    ],
  },
]);
if (sink === 0.5 || protectedCounter[0] === 0.5) console.log(sink);
