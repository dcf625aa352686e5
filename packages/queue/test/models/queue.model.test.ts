/**
 * Interleaving models of Queue and RingBuffer (their real code), run by the
 * test-utils explorer: exhaustive at preemption bound 2, then random and PCT
 * schedules (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run test/models` for
 * 10^5 each). Plain payload reads and writes are scheduling points too, so a
 * slot published before its payload would be found.
 */
import type { Codec } from "@sabkit/core";
import type { Sleep, WaitLoop } from "@sabkit/core/internal";
import {
  awaitAsyncWait,
  explore,
  exploreAllModes,
  installViewConstructorsForGood,
  pause,
} from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";

// RingBuffer keeps its element-type constructors in a table built at import
// and compares them by identity; install the explorer's instrumented
// constructors before importing it, so that its data views are instrumented
// too (plain reads and writes of the ring are scheduling points and replay
// exactly).
installViewConstructorsForGood();
// Core and the wait layer too: core's typed-array table (which RingBuffer uses) is built when it loads.
const { waitAsync } = await import("@sabkit/atomics-sync-polyfill");
const { jsonCodec } = await import("@sabkit/core");
const { Deadline, drive } = await import("@sabkit/core/internal");
const { Queue, RingBuffer } = await import("../../src/index.js");
const {
  ASYNC_SPINS,
  COUNT,
  DATA_WAITERS,
  GetWait,
  PutWait,
  QUEUE_KIND,
  RecordRing,
  RING_DATA_OFFSET,
  Scratch,
  SPACE_WAITERS,
  Stage,
  WRITE_INDEX,
  WRITE_SLOT,
} = await import("../../src/internal.js");

/**
 * The async forms' sleep under the explorer: the real wait layer's
 * waitAsync, awaited as one synchronous step of this logical thread (the
 * explorer cannot run an async function: its continuations run in later
 * microtasks). Only this differs from driveAsync.
 */
const sleepAsync: Sleep = (i32, index, expected, ms) =>
  awaitAsyncWait(() => waitAsync(i32, index, expected, ms));

/** The ring of a Queue handle, as Queue.from opens it. */
function ringOf(handle: unknown): InstanceType<typeof RecordRing> {
  const valid = QUEUE_KIND.validate(handle, "Queue.from(handle)");
  return new RecordRing(QUEUE_KIND.attachHandle(valid), valid.capacity, valid.maxSize, "Queue");
}

/** `Queue.getAsync`'s path (src/queue.ts): the real take, then the real GetWait with async sleeps. */
function getAsyncPath(handle: unknown): number {
  const ring = ringOf(handle);
  const scratch = new Scratch();
  if (ring.take(scratch, 1) === 0) {
    const wait: WaitLoop<number> = new GetWait(
      ring,
      scratch,
      1,
      Deadline.after(undefined),
      ASYNC_SPINS,
      "getAsync",
    );
    drive(wait, sleepAsync);
  }
  const length = scratch.i32[0] as number;
  return jsonCodec.decode(scratch.bytes.subarray(4, 4 + length)) as number;
}

/** `Queue.putAsync`'s path (src/queue.ts): the real commit, then the real PutWait with async sleeps. */
function putAsyncPath(handle: unknown, item: number): void {
  const ring = ringOf(handle);
  const stage = new Stage();
  stage.encode(jsonCodec, item, ring.capacity, "Queue.putAsync");
  if (ring.commit(stage) === 0) {
    drive(new PutWait(ring, stage, Deadline.after(undefined), ASYNC_SPINS, "putAsync"), sleepAsync);
  }
}

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

describe("Queue model", () => {
  it(
    "2 producers x 1 item, 1 consumer of 2, capacity 1 item: nothing lost or duplicated",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "Queue 2 producers, 1 consumer",
        setup: () => ({ handle: new Queue<number>({ maxSize: 1 }).handle }),
        threads: [
          ({ handle }) => Queue.from<number>(handle).put(1),
          ({ handle }) => Queue.from<number>(handle).put(2),
          ({ handle }) => {
            const queue = Queue.from<number>(handle);
            return [queue.get(), queue.get()];
          },
        ],
        check: (_, results) => expect((results[2] as number[]).slice().sort()).toEqual([1, 2]),
      });
    },
    MODEL_TIME,
  );

  it(
    "an async producer (putAsync's path), a blocking producer and an async consumer (getAsync's path), capacity 1 item: both items arrive once",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "Queue async waits",
        setup: () => ({
          handle: new Queue<number>({ maxSize: 1, codec: jsonCodec as Codec<number> }).handle,
        }),
        threads: [
          ({ handle }) => putAsyncPath(handle, 1),
          ({ handle }) => Queue.from<number>(handle).put(2),
          ({ handle }) => [getAsyncPath(handle), getAsyncPath(handle)],
        ],
        check: ({ handle }, results) => {
          expect((results[2] as number[]).slice().sort()).toEqual([1, 2]);
          // Nothing is left in the queue, and every waiter unregistered (finish() ran).
          const i32 = QUEUE_KIND.attachHandle(QUEUE_KIND.validate(handle));
          expect([i32[COUNT], i32[DATA_WAITERS], i32[SPACE_WAITERS]]).toEqual([0, 0, 0]);
        },
      });
    },
    MODEL_TIME,
  );
});

describe("RingBuffer model", () => {
  it(
    "SPSC, capacity 2, 3 values: exact values in order",
    () => {
      exploreAllModes<{ handle: unknown }>({
        name: "RingBuffer SPSC cap 2 x 3",
        setup: () => ({ handle: new RingBuffer(Int32Array, 2).handle }),
        threads: [
          ({ handle }) => RingBuffer.from<Int32Array>(handle).pushAll([10, 20, 30]),
          ({ handle }) => {
            const ring = RingBuffer.from<Int32Array>(handle);
            const into = new Int32Array(3);
            let n = 0;
            while (n < 3) n += ring.popSome(into.subarray(n));
            return Array.from(into);
          },
        ],
        check: (_, results) => expect(results[1]).toEqual([10, 20, 30]),
      });
    },
    MODEL_TIME,
  );
});

describe("RingBuffer model: a planted bug is found", () => {
  it(
    "a producer that publishes writeIndex before the value: the real consumer reads a stale slot",
    () => {
      // The planted producer uses the ring's real layout but stores WRITE_INDEX
      // before the value; the consumer is the real RingBuffer. The explorer
      // must find the schedule where tryPopValue reads the slot too early.
      const { failure } = explore<{ handle: { buffer: SharedArrayBuffer; byteOffset: number } }>(
        {
          name: "RingBuffer with an index-first producer",
          setup: () => ({ handle: new RingBuffer(Int32Array, 2).handle }),
          threads: [
            ({ handle }) => {
              const words = new Int32Array(handle.buffer, handle.byteOffset, RING_DATA_OFFSET / 4);
              const data = new Int32Array(handle.buffer, handle.byteOffset + RING_DATA_OFFSET, 2);
              for (const value of [10, 20]) {
                const w = Atomics.load(words, WRITE_INDEX);
                const slot = words[WRITE_SLOT] as number;
                words[WRITE_SLOT] = (slot + 1) % 2;
                Atomics.store(words, WRITE_INDEX, w + 1); // BUG: published before the value
                data[slot] = value;
              }
            },
            ({ handle }) => {
              const ring = RingBuffer.from<Int32Array>(handle);
              const seen: number[] = [];
              for (let tries = 0; seen.length < 2; tries++) {
                if (tries > 100) throw new Error("consumer: ring stayed empty");
                const value = ring.tryPopValue();
                if (value === undefined) pause();
                else seen.push(value);
              }
              return seen;
            },
          ],
          check: (_, results) => expect(results[1]).toEqual([10, 20]),
        },
        { mode: "exhaustive", preemptionBound: 2 },
      );
      expect(failure).toBeDefined();
      expect(String(failure?.message)).toMatch(/\[0, 20\]|\[10, 0\]|expected/);
    },
    MODEL_TIME,
  );
});
