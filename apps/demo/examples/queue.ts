// Python's producer/consumer over a Queue (python/queue.py): the producer
// puts five items and then None (null here) as the sentinel that tells the
// consumer to stop.
import { isMainProcess, Process, Queue } from "sabkit";
import { print } from "./lib/repr.js";

export function producer(q: Queue<number | null>): void {
  for (let i = 0; i < 5; i++) q.put(i);
  q.put(null);
}

export function consumer(q: Queue<number | null>): void {
  for (;;) {
    const item = q.get();
    if (item === null) break;
    print(`consumed ${item}`);
  }
}

if (isMainProcess()) {
  const q = new Queue<number | null>();
  const p = new Process({ target: import.meta.url, export: "producer", args: [q] });
  const c = new Process({ target: import.meta.url, export: "consumer", args: [q] });
  p.start();
  c.start();
  await p.joinAsync();
  await c.joinAsync();
  print("done");
}
