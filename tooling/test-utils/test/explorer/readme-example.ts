import { explore, type Model, replay } from "@sabkit/test-utils/explorer";

// A one-shot "done" signal. Word 0: the flag; word 1: how many may sleep on it.
type Signal = Int32Array;

function waitDone(s: Signal): void {
  Atomics.add(s, 1, 1); // announce a possible sleeper, then check
  while (Atomics.load(s, 0) === 0) Atomics.wait(s, 0, 0);
}

// PLANTED BUG: reads the sleeper count *before* publishing the flag, and
// skips the notify when it saw none. A waiter that announces itself and
// checks the flag between those two steps sleeps for ever.
function setDoneBuggy(s: Signal): void {
  const sleepers = Atomics.load(s, 1);
  Atomics.store(s, 0, 1);
  if (sleepers > 0) Atomics.notify(s, 0);
}

// Fixed: publish first, then look for sleepers.
function setDone(s: Signal): void {
  Atomics.store(s, 0, 1);
  if (Atomics.load(s, 1) > 0) Atomics.notify(s, 0);
}

export function signalModel(set: (s: Signal) => void): Model<Signal> {
  return {
    name: "done signal",
    setup: () => new Int32Array(new SharedArrayBuffer(8)), // tracked: created in setup
    threads: [waitDone, set],
    check: (s) => {
      if (Atomics.load(s, 0) !== 1) throw new Error("flag not set");
    },
  };
}

export function findTheBug() {
  const buggy = signalModel(setDoneBuggy);
  const report = explore(buggy); // exhaustive, preemption bound 2
  const failure = report.failure!; // kind "deadlock": the waiter sleeps for ever
  // failure.message has the schedule, a shrunk schedule and its trace; replay it:
  const again = replay(buggy, failure.shrunk);
  const fixed = explore(signalModel(setDone)); // every schedule passes
  return {
    kind: failure.kind,
    replayed: again.failure?.kind,
    fixedFailure: fixed.failure,
    fixedSchedules: fixed.schedules,
  };
}
