// Real-worker scenarios for Queue / JoinableQueue (run by test/queue-workers.test.ts).

import { ClosedError, TimeoutError } from "@sabkit/core";
import { type ScenarioContext, seededRandom } from "@sabkit/test-utils";
import { JoinableQueue, Queue } from "../../src/index.js";

/** The message producer `p` sends as its `seq`-th item: its body is a function of (p, seq). */
export interface Message {
  p: number;
  seq: number;
  body: string;
  when?: Date;
  tags?: Map<string, bigint>;
  sum: number;
}

/** Body length for (p, seq), bounded by `maxBody` (so it fits small rings). */
export function bodyFor(p: number, seq: number, maxBody: number): string {
  const r = seededRandom(p * 1_000_003 + seq)();
  // Mostly short, sometimes long: mixed sizes.
  const length = r < 0.9 ? Math.floor(r * 40) : Math.floor(r * maxBody);
  let text = "";
  for (let i = 0; i < Math.min(length, maxBody); i++)
    text += String.fromCharCode(97 + ((p + seq + i) % 26));
  return text;
}

export function checksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum = (sum * 31 + body.charCodeAt(i)) | 0;
  return sum;
}

export function makeMessage(p: number, seq: number, maxBody: number): Message {
  const body = bodyFor(p, seq, maxBody);
  const message: Message = { p, seq, body, sum: checksum(body) };
  if (seq % 5 === 0) message.when = new Date(seq);
  if (seq % 7 === 0) message.tags = new Map([["seq", BigInt(seq) * 3n]]);
  return message;
}

/** `true` when a received message is exactly what its producer sent (not torn, not mixed up). */
export function intact(m: Message, maxBody: number): boolean {
  const expected = makeMessage(m.p, m.seq, maxBody);
  return (
    m.body === expected.body &&
    m.sum === expected.sum &&
    (expected.when === undefined
      ? m.when === undefined
      : m.when?.getTime() === expected.when.getTime()) &&
    (expected.tags === undefined
      ? m.tags === undefined
      : m.tags?.get("seq") === expected.tags.get("seq"))
  );
}

/**
 * Workers [0, producers) put `perProducer` messages each (random batch sizes,
 * putMany and put); the others get until the queue is closed and drained
 * (random getMany sizes and get). The last producer to finish closes the
 * queue. Consumers return [p, seq, p, seq, ...] in receive order and a count
 * of torn messages.
 */
export function mpmc(
  ctx: ScenarioContext,
  handle: unknown,
  done: Int32Array,
  producers: number,
  perProducer: number,
  maxBody: number,
  seed: number,
): { received?: Int32Array; torn?: number; sent?: number } {
  const queue = Queue.from<Message>(handle);
  const random = seededRandom(seed + ctx.index);
  if (ctx.index < producers) {
    const p = ctx.index;
    let seq = 0;
    while (seq < perProducer) {
      if (random() < 0.5) {
        queue.put(makeMessage(p, seq++, maxBody), { timeout: 60_000 });
      } else {
        const batch: Message[] = [];
        const size = 1 + Math.floor(random() * 32);
        while (batch.length < size && seq < perProducer) batch.push(makeMessage(p, seq++, maxBody));
        queue.putMany(batch, { timeout: 60_000 });
      }
    }
    if (Atomics.add(done, 0, 1) === producers - 1) queue.close();
    return { sent: seq };
  }
  const received: number[] = [];
  let torn = 0;
  for (;;) {
    let items: Message[];
    try {
      items =
        random() < 0.3
          ? [queue.get({ timeout: 60_000 })]
          : queue.getMany(1 + Math.floor(random() * 64), { timeout: 60_000 });
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    for (const m of items) {
      if (!intact(m, maxBody)) torn++;
      received.push(m.p, m.seq);
    }
  }
  return { received: Int32Array.from(received), torn };
}

/** Puts until it blocks on a full queue; reports what ended the block (ClosedError expected). */
export function blockedProducer(_ctx: ScenarioContext, handle: unknown, ready: Int32Array): string {
  const queue = Queue.from<number>(handle);
  let n = 0;
  try {
    for (;;) {
      if (!queue.tryPut(n)) {
        Atomics.add(ready, 0, 1);
        Atomics.notify(ready, 0);
        queue.put(n, { timeout: 20_000 });
      }
      n++;
    }
  } catch (error) {
    return (error as Error).name;
  }
}

/** Gets until closed and drained; returns the items it got and what ended it. */
export async function blockedConsumer(
  _ctx: ScenarioContext,
  handle: unknown,
  ready: Int32Array,
  useAsync: boolean,
): Promise<{ items: number[]; ended: string }> {
  const queue = Queue.from<number>(handle);
  const items: number[] = [];
  Atomics.add(ready, 0, 1);
  Atomics.notify(ready, 0);
  try {
    for (;;)
      items.push(
        useAsync ? await queue.getAsync({ timeout: 20_000 }) : queue.get({ timeout: 20_000 }),
      );
  } catch (error) {
    return { items, ended: (error as Error).name };
  }
}

/** JoinableQueue consumer: gets, "works", marks done, until closed. Returns how many it did. */
export function joinConsumer(_ctx: ScenarioContext, handle: unknown, results: Int32Array): number {
  const queue = JoinableQueue.from<number>(handle);
  let done = 0;
  for (;;) {
    let n: number;
    try {
      n = queue.get({ timeout: 20_000 });
    } catch (error) {
      if (error instanceof ClosedError) return done;
      throw error;
    }
    Atomics.add(results, 0, n);
    queue.taskDone();
    done++;
  }
}

/** Waits in get() with a timeout on an empty queue; returns the error name and how long it took. */
export function timedGet(
  _ctx: ScenarioContext,
  handle: unknown,
  timeout: number,
): { name: string; ms: number } {
  const queue = Queue.from<number>(handle);
  const start = performance.now();
  try {
    queue.get({ timeout });
    return { name: "none", ms: performance.now() - start };
  } catch (error) {
    return {
      name: error instanceof TimeoutError ? "TimeoutError" : (error as Error).name,
      ms: performance.now() - start,
    };
  }
}
