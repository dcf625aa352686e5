// The processes' module, in TypeScript. Queue is imported for its type only:
// the queue arrives live in the arguments.
import type { Queue } from "@sabkit/queue";

export function fill(out: Int32Array, k: number): void {
  for (let i = 0; i < out.length; i++) out[i] = i * k;
}

export function produce(queue: Queue<string>, n: number): void {
  for (let i = 1; i <= n; i++) queue.put(`${i}:${i * i}`);
  queue.close();
}
