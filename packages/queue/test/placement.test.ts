import { InvalidHandleError, revive, share } from "@sabkit/core";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { JoinableQueue, Queue, SimpleQueue } from "../src/index.js";
import { DATA_OFFSET } from "../src/internal.js";

const scenarios = new URL("./scenarios/placement.scenario.ts", import.meta.url);

/** The byte the test writes around placed queues, to see that nothing outside a queue's region changes. */
const CANARY = 0xa5;

function canariesIntact(
  bytes: Uint8Array,
  regions: readonly { start: number; end: number }[],
): boolean {
  let next = 0;
  for (const { start, end } of regions) {
    for (let i = next; i < start; i++) if (bytes[i] !== CANARY) return false;
    next = end;
  }
  for (let i = next; i < bytes.length; i++) if (bytes[i] !== CANARY) return false;
  return true;
}

describe("Queues placed in a caller's buffer", () => {
  it("four queues among other data in one buffer each carry their own items in order between workers, and never write outside their regions", async () => {
    const capacity = 256;
    const count = 4;
    // 64 bytes of the caller's own data first, then each queue followed by 64 bytes of the caller's data.
    const stride = Queue.byteLength({ capacity }) + 64;
    const buffer = new SharedArrayBuffer(64 + count * stride);
    const bytes = new Uint8Array(buffer);
    bytes.fill(CANARY);
    const queues = Array.from(
      { length: count },
      (_, k) => new Queue<number>({ buffer, byteOffset: 64 + k * stride, capacity, maxSize: 8 }),
    );
    const regions = queues.map((q) => ({
      start: q.handle.byteOffset,
      end: q.handle.byteOffset + q.handle.byteLength,
    }));
    expect(regions.map((r) => r.end - r.start)).toEqual(
      new Array(count).fill(DATA_OFFSET + capacity),
    );
    const perQueue = scaled(2_000);
    const results = await runInWorkers<number[]>(scenarios, "placedPair", {
      workers: 2 * count,
      args: [queues.map((q) => q.handle), perQueue],
      timeoutMs: 60_000,
    });
    for (let k = 0; k < count; k++) {
      expect(results[2 * k + 1]).toEqual(
        Array.from({ length: perQueue }, (_, i) => k * 1_000_000 + i),
      );
      expect(queues[k]?.qsize()).toBe(0);
    }
    expect(canariesIntact(bytes, regions)).toBe(true);
  }, 90_000);

  it("a placed queue starts empty even in a buffer full of garbage, and from(handle) attaches to the same region", () => {
    const buffer = new SharedArrayBuffer(4096);
    new Uint8Array(buffer).fill(0xff);
    const queue = new Queue<string>({ buffer, byteOffset: 1024, capacity: 512 });
    expect([queue.handle.buffer, queue.handle.byteOffset, queue.handle.byteLength]).toEqual([
      buffer,
      1024,
      Queue.byteLength({ capacity: 512 }),
    ]);
    expect([queue.qsize(), queue.closed, queue.capacity]).toEqual([0, false, 512]);
    queue.put("a");
    expect(Queue.from<string>(queue.handle).get()).toBe("a");
  });

  it("a JoinableQueue and a SimpleQueue placed side by side keep their own items and revive as their classes", () => {
    const tasksBytes = JoinableQueue.byteLength({ capacity: 128 });
    const buffer = new SharedArrayBuffer(tasksBytes + SimpleQueue.byteLength({ capacity: 128 }));
    const tasks = new JoinableQueue<number>({ buffer, capacity: 128 });
    const results = new SimpleQueue<string>({ buffer, byteOffset: tasksBytes, capacity: 128 });
    const revived = revive(share({ tasks, results })) as { tasks: unknown; results: unknown };
    expect(revived.tasks).toBeInstanceOf(JoinableQueue);
    expect(revived.results).toBeInstanceOf(SimpleQueue);
    tasks.putMany([1, 2]);
    results.put("done");
    expect(tasks.getMany(2)).toEqual([1, 2]);
    tasks.taskDone();
    tasks.taskDone();
    tasks.join({ timeout: 1000 });
    expect([tasks.unfinishedTasks, results.get(), results.qsize()]).toEqual([0, "done", 0]);
  });

  it("byteLength counts the header and the ring rounded up to 4 bytes, with each class's default ring", () => {
    expect(Queue.byteLength({ capacity: 4096 })).toBe(4160);
    expect(Queue.byteLength({ capacity: 9 })).toBe(DATA_OFFSET + 12);
    expect(Queue.byteLength()).toBe(DATA_OFFSET + 2 ** 20);
    expect(SimpleQueue.byteLength()).toBe(DATA_OFFSET + 2 ** 24);
    expect(Queue.alignment).toBe(4);
    expect(() => Queue.byteLength({ capacity: 7 })).toThrow(RangeError);
    expect(() => Queue.byteLength({ capacity: 2 ** 31 })).toThrow(RangeError);
  });
});

describe("Bad placements are typed errors and leave the caller's buffer untouched", () => {
  const capacity = 64;
  const needed = DATA_OFFSET + capacity;

  it.each([
    ["a misaligned byteOffset", () => new SharedArrayBuffer(4 * needed), 2],
    ["a region that passes the buffer's end", () => new SharedArrayBuffer(needed), 4],
    ["a buffer too small for the queue", () => new SharedArrayBuffer(needed - 4), 0],
    ["a negative byteOffset", () => new SharedArrayBuffer(needed), -4],
    ["a fractional byteOffset", () => new SharedArrayBuffer(needed), 1.5],
  ])(
    "%s is an InvalidHandleError naming the bytes and alignment needed",
    (_, makeBuffer, byteOffset) => {
      const buffer = makeBuffer();
      new Uint8Array(buffer).fill(CANARY);
      let error: unknown;
      try {
        new Queue({ buffer, byteOffset, capacity });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidHandleError);
      expect((error as InvalidHandleError).code).toBe(new InvalidHandleError("").code);
      expect(String((error as Error).message)).toContain(
        `needs ${needed} bytes aligned to ${Queue.alignment}`,
      );
      expect(canariesIntact(new Uint8Array(buffer), [])).toBe(true);
    },
  );

  it("an ArrayBuffer (not shared) is an InvalidHandleError saying a SharedArrayBuffer is needed", () => {
    const buffer = new ArrayBuffer(needed) as unknown as SharedArrayBuffer;
    expect(() => new Queue({ buffer, capacity })).toThrow(InvalidHandleError);
    expect(() => new JoinableQueue({ buffer, capacity })).toThrow(/SharedArrayBuffer/);
    expect(() => new SimpleQueue({ buffer, capacity })).toThrow(/SharedArrayBuffer/);
  });

  it("a byteOffset without a buffer is a TypeError", () => {
    expect(() => new Queue({ byteOffset: 64 })).toThrow(TypeError);
  });
});
