// pnpm --filter @sabkit/semaphore bench   (SABKIT_BENCH_TIME=<ms per case>)
// Scenarios are described in bench/README.md.
import { AsyncSemaphore } from "@esfx/async-semaphore";
import { runBench } from "@sabkit/bench";
import { Sema } from "async-sema";
import { Semaphore } from "../src/index.js";

const OPS = 1_000; // acquire + release pairs per timed call

const asyncSema = new Sema(1);
const esfx = new AsyncSemaphore(1);
const sem = new Semaphore(1);
const owned = new Semaphore(1, { owned: true });

await runBench("semaphore", [
  {
    title: "uncontended acquire + release (one thread)",
    baseline: "async-sema: await acquire() + release()",
    note:
      "One op = take one permit of a 1-permit semaphore and give it back, nobody else using it. " +
      "async-sema and @esfx/async-semaphore are in-process only (they cannot be shared with workers); " +
      "sabkit's semaphore lives in a SharedArrayBuffer.",
    cases: [
      {
        name: "async-sema: await acquire() + release()",
        ops: OPS,
        run: async () => {
          for (let i = 0; i < OPS; i++) {
            await asyncSema.acquire();
            asyncSema.release();
          }
        },
      },
      {
        name: "@esfx/async-semaphore: await wait() + release()",
        ops: OPS,
        run: async () => {
          for (let i = 0; i < OPS; i++) {
            await esfx.wait();
            esfx.release();
          }
        },
      },
      {
        name: "sabkit: await acquireAsync() + guard.release()",
        ops: OPS,
        run: async () => {
          for (let i = 0; i < OPS; i++) (await sem.acquireAsync()).release();
        },
      },
      {
        name: "sabkit: acquire() + guard.release()",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) sem.acquire().release();
        },
      },
      {
        name: "sabkit: tryAcquire() + release()",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            if (sem.tryAcquire()) sem.release();
          }
        },
      },
      {
        name: "sabkit owned: tryAcquire() + release()",
        ops: OPS,
        run: () => {
          for (let i = 0; i < OPS; i++) {
            if (owned.tryAcquire()) owned.release();
          }
        },
      },
    ],
  },
]);
