// The per-operation costs core adds to every primitive's hot path.
import { runBench } from "@sabkit/bench";
import { Guard, isThreadAlive, threadIdentity } from "../src/index.js";
import { Deadline, spawnChild } from "../src/internal.js";

const cell = new Int32Array(new SharedArrayBuffer(4));
let child: ReturnType<typeof spawnChild> | undefined;
let sink = 0;

await runBench("core", [
  {
    title: "owner word: who am I, is the owner alive",
    baseline: "Atomics.load (floor)",
    note: "threadIdentity() is cached after the first call; isThreadAlive is one Atomics.load of the liveness table.",
    cases: [
      { name: "Atomics.load (floor)", run: () => (sink ^= Atomics.load(cell, 0)) },
      { name: "threadIdentity()", run: () => (sink ^= threadIdentity()) },
      {
        name: "isThreadAlive(live child)",
        setup: () => (child = spawnChild()),
        teardown: () => child?.onExit(0),
        run: () => (sink ^= isThreadAlive(child!.identity) ? 1 : 0),
      },
    ],
  },
  {
    title: "per-wait overhead: options, deadline, guard",
    baseline: "object literal (floor)",
    note: "What a blocking acquire pays before it can try its fast path, and to hand out its guard.",
    cases: [
      { name: "object literal (floor)", run: () => (sink ^= { n: sink }.n) },
      { name: "Deadline.from(undefined)", run: () => (sink ^= Deadline.from().forever ? 1 : 0) },
      {
        name: "Deadline.from({ timeout: 100 })",
        run: () => (sink ^= Deadline.from({ timeout: 100 }).expired ? 1 : 0),
      },
      { name: "new Guard + release", run: () => new Guard(() => sink++).release() },
    ],
  },
]);
if (sink === 0.5) console.log(sink);
