// Shared memory is untrusted input: a header that a buggy or hostile thread
// scribbled over gives a typed error, never a hang or an out-of-bounds read.
import { InvalidHandleError, SabkitError } from "@sabkit/core";
import { seededRandom, testSeed } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { JoinableQueue, RingBuffer } from "../src/index.js";
import {
  CAPACITY,
  COUNT,
  DATA_OFFSET,
  HEAD,
  LOCK,
  LOCK_OWNER,
  MAX_SIZE,
  READ_INDEX,
  READ_SLOT,
  UNFINISHED,
  USED_BYTES,
  WRITE_INDEX,
  WRITE_SLOT,
} from "../src/internal.js";

const BAD_VALUES = [0, -1, 2 ** 31 - 1, -(2 ** 31), 3, 1000];

/** Runs `op`; returns "ok" or the error's class name, failing on anything that is not a typed error. */
function outcome(op: () => unknown): string {
  try {
    op();
    return "ok";
  } catch (error) {
    if (error instanceof SabkitError || error instanceof RangeError || error instanceof TypeError) {
      return (error as Error).name;
    }
    throw error;
  }
}

function filledQueue() {
  const queue = new JoinableQueue<string>({ capacity: 128, maxSize: 8 });
  queue.putMany(["alpha", "beta", "gamma"]);
  const i32 = new Int32Array(queue.handle.buffer, 0, 16);
  return { queue, i32 };
}

const operations: Record<string, (q: JoinableQueue<string>) => unknown> = {
  tryPut: (q) => q.tryPut("x"),
  tryGet: (q) => q.tryGet(),
  getMany: (q) => q.getMany(10, { timeout: 20 }),
  get: (q) => q.get({ timeout: 20 }),
  put: (q) => q.put("y", { timeout: 20 }),
  qsize: (q) => q.qsize(),
  taskDone: (q) => q.taskDone(),
  join: (q) => q.join({ timeout: 20 }),
};

describe("Queue: corrupted header words", () => {
  for (const [field, index] of Object.entries({
    HEAD,
    USED_BYTES,
    COUNT,
    UNFINISHED,
    LOCK,
    LOCK_OWNER,
  })) {
    it(`${field} set to 0, -1, 2^31-1, -2^31, 3, 1000 and random: every operation ends with a value or a typed error`, () => {
      const seed = testSeed();
      const random = seededRandom(seed);
      const values = [...BAD_VALUES, (random() * 2 ** 32) | 0, (random() * 2 ** 32) | 0];
      for (const value of values) {
        for (const [name, op] of Object.entries(operations)) {
          const { queue, i32 } = filledQueue();
          i32[index] = value;
          const start = performance.now();
          const result = outcome(() => op(queue));
          // Bounded: timeouts are 20 ms; nothing may spin or sleep beyond them.
          expect(performance.now() - start, `${field}=${value} ${name} seed ${seed}`).toBeLessThan(
            5_000,
          );
          expect(typeof result).toBe("string");
        }
      }
    });
  }

  it("a head past the capacity, or a record longer than the bytes in use, is an InvalidHandleError", () => {
    let { queue, i32 } = filledQueue();
    i32[HEAD] = 128;
    expect(() => queue.tryGet()).toThrow(InvalidHandleError);
    ({ queue, i32 } = filledQueue());
    i32[USED_BYTES] = 132;
    expect(() => queue.tryPut("x")).toThrow(/usedBytes is 132/);
    ({ queue, i32 } = filledQueue());
    new Int32Array(queue.handle.buffer, DATA_OFFSET, 1)[0] = 1_000_000; // first record's length
    expect(() => queue.tryGet()).toThrow(/claims 1000000 bytes/);
    ({ queue, i32 } = filledQueue());
    i32[COUNT] = 0; // bytes in use but no items
    expect(() => queue.tryGet()).toThrow(InvalidHandleError);
    ({ queue, i32 } = filledQueue());
    i32[LOCK] = 7;
    expect(() => queue.tryGet()).toThrow(/lock word holds 7/);
  });

  it("a lock word stuck at 'held' ends a timed wait with TimeoutError, not a hang", () => {
    const { queue, i32 } = filledQueue();
    i32[LOCK] = 1;
    expect(() => queue.get({ timeout: 30 })).toThrow(
      expect.objectContaining({ code: "ERR_SABKIT_TIMEOUT" }),
    );
  });

  it("from() rejects a handle whose capacity or maxSize disagrees with the shared header", () => {
    for (const index of [CAPACITY, MAX_SIZE]) {
      const { queue, i32 } = filledQueue();
      i32[index] = 12345;
      expect(() => JoinableQueue.from(queue.handle)).toThrow(InvalidHandleError);
    }
  });
});

describe("RingBuffer: corrupted header words", () => {
  for (const [field, index] of Object.entries({ WRITE_INDEX, READ_INDEX, WRITE_SLOT, READ_SLOT })) {
    it(`${field} set to 0, -1, 2^31-1, -2^31, 3, 1000: push/pop end with a value or InvalidHandleError`, () => {
      for (const value of BAD_VALUES) {
        for (const op of ["push", "pop", "pushValue", "popValue", "available"]) {
          const ring = new RingBuffer(Int32Array, 16);
          ring.push(new Int32Array([1, 2, 3, 4, 5]));
          new Int32Array(ring.handle.buffer, 0, 64)[index] = value;
          const revived = RingBuffer.from<Int32Array>(ring.handle);
          const result = outcome(() => {
            if (op === "push") return revived.push(new Int32Array(8));
            if (op === "pop") return revived.pop(new Int32Array(8));
            if (op === "pushValue") return revived.tryPushValue(1);
            if (op === "popValue") return revived.tryPopValue();
            return revived.availableRead;
          });
          expect(["ok", "InvalidHandleError"]).toContain(result);
        }
      }
    });
  }

  it("a count beyond the capacity is named in the error", () => {
    const ring = new RingBuffer(Float64Array, 8);
    new Int32Array(ring.handle.buffer, 0, 64)[WRITE_INDEX] = 100;
    expect(() => RingBuffer.from<Float64Array>(ring.handle).pop(new Float64Array(4))).toThrow(
      /writeIndex - readIndex is 100/,
    );
  });
});
