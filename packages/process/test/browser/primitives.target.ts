// A Process target built into its worker entry (/primitives-entry.js): it
// receives a Lock, a Queue and an Event, whose kinds its register imports add.
import "@sabkit/event/register";
import "@sabkit/lock/register";
import "@sabkit/queue/register";
import type { Event } from "@sabkit/event";
import type { Lock } from "@sabkit/lock";
import type { Queue } from "@sabkit/queue";

export async function produce(lock: Lock, results: Queue<number>, done: Event, n: number) {
  for (let i = 1; i <= n; i++) {
    const held = await lock.acquireAsync({ timeout: 10_000 });
    try {
      await results.putAsync(i * i);
    } finally {
      held.release();
    }
  }
  done.set();
}
