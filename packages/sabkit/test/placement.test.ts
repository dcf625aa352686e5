import { share } from "@sabkit/core";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Barrier, Event, Lock, Queue, Semaphore, WaitGroup } from "../src/index.js";

const scenarios = new URL("./scenarios/together.scenario.ts", import.meta.url);

interface Placed {
  byteLength: number;
  alignment: number;
}

/** Offsets for each size in turn, each aligned as its class asks. */
function layOut(classes: Placed[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let end = 0;
  for (const { byteLength, alignment } of classes) {
    end = Math.ceil(end / alignment) * alignment;
    offsets.push(end);
    end += byteLength;
  }
  return { offsets, end };
}

describe("primitives of different packages placed in one buffer", () => {
  it("an Event, a Semaphore, a Barrier, a WaitGroup and a Queue side by side coordinate 3 workers", async () => {
    const queueBytes = Queue.byteLength({ capacity: 256 });
    const { offsets, end } = layOut([
      Event,
      Semaphore,
      Barrier,
      WaitGroup,
      { byteLength: queueBytes, alignment: Queue.alignment },
      { byteLength: 4, alignment: 4 }, // the plain counter
    ]);
    const buffer = new SharedArrayBuffer(end);
    new Uint8Array(buffer).fill(0xa5); // garbage every placement must clear
    const [eventAt, permitAt, barrierAt, finishedAt, resultsAt, counterAt] = offsets as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const start = new Event({ buffer, byteOffset: eventAt });
    const permit = new Semaphore(1, { buffer, byteOffset: permitAt });
    const barrier = new Barrier(3, { buffer, byteOffset: barrierAt });
    const finished = new WaitGroup(3, { buffer, byteOffset: finishedAt });
    const results = new Queue<number>({ capacity: 256, buffer, byteOffset: resultsAt });
    const counter = new Int32Array(buffer, counterAt, 1);
    counter[0] = 0;
    for (const primitive of [start, permit, barrier, finished, results]) {
      expect(primitive.handle.buffer).toBe(buffer);
    }

    const rounds = scaled(2_000);
    const running = runInWorkers<number>(scenarios, "work", {
      workers: 3,
      args: [share({ start, permit, barrier, finished, results, counter }), rounds],
      timeoutMs: 60_000,
    });
    start.set();
    await finished.waitAsync({ timeout: 60_000 });
    expect(await running).toEqual([rounds, rounds, rounds]);
    expect(counter[0]).toBe(3 * rounds);
    expect(results.getMany(3, { timeout: 0 }).sort()).toEqual([0, 1, 2]);
    expect([permit.value, finished.count, results.size]).toEqual([1, 0, 0]);
  });

  it("a placed Lock beside a placed Queue neither sees the other's words", () => {
    const { offsets, end } = layOut([
      Lock,
      { byteLength: Queue.byteLength(), alignment: Queue.alignment },
    ]);
    const buffer = new SharedArrayBuffer(end);
    const lock = new Lock({ buffer, byteOffset: offsets[0] });
    const queue = new Queue<string>({ buffer, byteOffset: offsets[1] });
    using _held = lock.acquire();
    queue.put("one");
    expect([lock.locked, queue.size, queue.get({ timeout: 0 })]).toEqual([true, 1, "one"]);
    expect(lock.locked).toBe(true);
  });
});
