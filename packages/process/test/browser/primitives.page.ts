// Processes started from worker entries of the program's own, given live primitives.
import { Event } from "@sabkit/event";
import { Lock } from "@sabkit/lock";
import { Queue } from "@sabkit/queue";
import { Process } from "../../src/index.js";

async function scenario(): Promise<Record<string, unknown>> {
  const lock = new Lock();
  const results = new Queue<number>();
  const done = new Event();
  const producer = new Process({
    target: () => new Worker("/primitives-entry.js", { type: "module" }),
    export: "produce",
    args: [lock, results, done, 6],
  }).start();
  const code = await producer.joinAsync({ timeout: 20_000 });
  const squares: number[] = [];
  while (squares.length < 6) squares.push(results.get({ timeout: 0 }));

  const unregistered = new Process({
    target: () => new Worker("/unregistered-entry.js", { type: "module" }),
    export: "hold",
    args: [lock],
  }).start();
  const unregisteredCode = await unregistered.joinAsync({ timeout: 20_000 });
  return {
    code,
    target: producer.target,
    squares,
    eventSet: done.isSet(),
    lockFree: lock.tryAcquire(),
    unregisteredCode,
    unregisteredError: unregistered.error?.name,
    // Exit code 1 (not null) within the join's bound: the missing kind ended the process.
    unregisteredSays: unregistered.error?.message.match(/import "@sabkit\/lock\/register"/)?.[0],
  };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = scenario();
