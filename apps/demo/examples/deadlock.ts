// Two processes take two locks in opposite orders (python/deadlock.py).
//
// 1. Broken: "A-then-B" holds A and waits for B while "B-then-A" holds B and
//    waits for A. Python would hang here for ever (its version can only find
//    out by a timeout); sabkit's opt-in detector (`detectDeadlocks: true`)
//    sees the cycle and throws DeadlockError in one of the two processes (the
//    one with the highest thread identity: B-then-A, started second), whose
//    `cycle` names every thread and lock in it. It gives up B, so A-then-B
//    finishes.
// 2. Fixed: both take the two locks with `Lock.all([first, second])`, which
//    acquires them in one global order whatever order they are passed in.
import { Barrier, DeadlockError, isMainProcess, Lock, Process } from "sabkit";
import { print } from "./lib/repr.js";

const NAMES = ["A-then-B", "B-then-A"];

export function broken(me: number, first: Lock, second: Lock, ready: Barrier) {
  using _first = first.acquire();
  ready.wait(); // both processes hold their first lock
  try {
    using _second = second.acquire();
    print(`${NAMES[me]} took ${first.name} then ${second.name}`);
  } catch (error) {
    if (!(error instanceof DeadlockError)) throw error;
    // The cycle names each thread by its Process's name.
    print(`${NAMES[me]} got DeadlockError: ${error.cycle.join("; ")}`);
  }
}

export function fixed(me: number, first: Lock, second: Lock, ready: Barrier) {
  ready.wait();
  using _both = Lock.all([first, second]); // one global order, whatever order they are passed in
  print(`${NAMES[me]} took ${first.name} and ${second.name}`);
}

async function run(phase: "broken" | "fixed", a: Lock, b: Lock): Promise<void> {
  const ready = new Barrier(3);
  const processes = [
    new Process({ target: import.meta.url, export: phase, args: [0, a, b, ready], name: NAMES[0] }),
    new Process({ target: import.meta.url, export: phase, args: [1, b, a, ready], name: NAMES[1] }),
  ];
  for (const p of processes) p.start();
  await ready.waitAsync();
  for (const p of processes) await p.joinAsync();
}

if (isMainProcess()) {
  print("opposite orders, deadlock detection on:");
  await run(
    "broken",
    new Lock({ name: "A", detectDeadlocks: true }),
    new Lock({ name: "B", detectDeadlocks: true }),
  );
  print("Lock.all:");
  await run("fixed", new Lock({ name: "A" }), new Lock({ name: "B" }));
}
