// The worker side of every benchmark in bench/index.ts (started with @sabkit/test-utils' startWorker).
import { parentPort } from "node:worker_threads";
import { waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { bytesCodec, ClosedError, type Codec, jsonCodec } from "@sabkit/core";
import { RingBuffer as PeerRing } from "ringbuf.js";
import { Queue, RingBuffer } from "../src/index.js";

const codecs: Record<string, Codec<unknown> | undefined> = {
  bytes: bytesCodec as Codec<unknown>,
  json: jsonCodec,
  structured: undefined,
};

/** Counts messages; after every `every` of them, posts the count back. */
export function postReceiver(_ctx: unknown, every: number): Promise<void> {
  let count = 0;
  return new Promise((resolve) => {
    parentPort!.on("message", (message) => {
      if (message === "stop") return resolve();
      if (++count % every === 0) parentPort!.postMessage(count);
    });
  });
}

/** Echoes every message back (round-trip latency baseline). */
export function postEcho(): Promise<void> {
  return new Promise((resolve) => {
    parentPort!.on("message", (message) => {
      if (message === "stop") return resolve();
      parentPort!.postMessage(message);
    });
  });
}

function bump(done: Int32Array): void {
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
}

/** Gets from a Queue (one at a time, or getMany(batch)); bumps `done` after every `every` items. */
export function queueConsumer(
  _ctx: unknown,
  handle: unknown,
  codec: string,
  done: Int32Array,
  every: number,
  batch: number,
): number {
  const queue = Queue.from(handle, { codec: codecs[codec] });
  let count = 0;
  try {
    for (;;) {
      if (batch === 1) {
        queue.get();
        if (++count % every === 0) bump(done);
      } else {
        const n = queue.getMany(batch).length;
        const before = Math.floor(count / every);
        count += n;
        if (Math.floor(count / every) !== before) bump(done);
      }
    }
  } catch (error) {
    if (!(error instanceof ClosedError)) throw error;
  }
  return count;
}

/** Echoes from one queue to another (round-trip latency). */
export function queueEcho(_ctx: unknown, request: unknown, response: unknown): void {
  const inbox = Queue.from(request);
  const outbox = Queue.from(response);
  try {
    for (;;) outbox.put(inbox.get());
  } catch (error) {
    if (!(error instanceof ClosedError)) throw error;
  }
}

/**
 * Pops from our RingBuffer (single values, or blocks of `block` into
 * successive offsets of one destination of `every` values, as large as the
 * data moved per timed call); bumps `done` after every `every` values.
 */
export function ringConsumer(
  _ctx: unknown,
  handle: unknown,
  done: Int32Array,
  every: number,
  block: number,
): number {
  const ring = RingBuffer.from<Float64Array>(handle);
  const destination = new Float64Array(block === 1 ? 1 : every);
  let count = 0;
  let sink = 0;
  try {
    for (;;) {
      if (block === 1) {
        sink += ring.popValue();
        if (++count % every === 0) bump(done);
      } else {
        const at = count % every;
        const n = ring.popSome(destination.subarray(at, Math.min(every, at + block)));
        const before = Math.floor(count / every);
        count += n;
        if (Math.floor(count / every) !== before) bump(done);
      }
    }
  } catch (error) {
    if (!(error instanceof ClosedError)) throw error;
  }
  return count + (sink === 0.5 ? 1 : 0);
}

/**
 * Pops from ringbuf.js into successive offsets of one destination of `every`
 * values (it has no waits: spin briefly, then sleep 0.1 ms slices on `stop`).
 */
export function peerRingConsumer(
  _ctx: unknown,
  sab: SharedArrayBuffer,
  done: Int32Array,
  every: number,
  block: number,
): number {
  const ring = new PeerRing(sab, Float64Array);
  const into = new Float64Array(block === 1 ? 1 : every);
  let count = 0;
  let idle = 0;
  for (;;) {
    const at = block === 1 ? 0 : count % every;
    const n = ring.pop(into, Math.min(block, every - at), at);
    if (n === 0) {
      if (Atomics.load(done, 1) !== 0) return count;
      if (idle < 100) spinWait(idle++);
      else waitSync(done, 1, 0, 0.1);
      continue;
    }
    idle = 0;
    const before = Math.floor(count / every);
    count += n;
    if (Math.floor(count / every) !== before) bump(done);
  }
}

/**
 * bench/micro.ts' consumer: pops `values` values per run (blocks of `block`
 * into one large destination, or one at a time) `runs` times, bumping
 * `done[0]` after each run. Returns [block pops that found the ring empty (0 for
 * one-value runs, which would need an extra look per value to count them)].
 */
export function ringDrain(
  _ctx: unknown,
  handle: unknown,
  done: Int32Array,
  values: number,
  block: number,
  runs: number,
): number[] {
  const ring = RingBuffer.from<Float64Array>(handle);
  const into = new Float64Array(values);
  let waits = 0;
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    let got = 0;
    if (block === 1) {
      while (got < values) {
        sink += ring.popValue();
        got++;
      }
    } else {
      while (got < values) {
        const view = into.subarray(got, Math.min(values, got + block));
        const n = ring.pop(view);
        if (n === 0) {
          waits++;
          got += ring.popSome(view);
        } else got += n;
      }
    }
    bump(done);
  }
  return [waits, sink === 0.5 ? 1 : 0];
}
