import { notify } from "@sabkit/atomics-sync-polyfill";
import { describe, expect, it } from "vitest";
import { AbortError } from "../src/index.js";
import { drive, driveAsync, driveSync, type WaitLoop } from "../src/internal.js";

/** Waits until word 0 reaches `target`; counts its steps, sleeps and finishes. */
class ReachWait implements WaitLoop<number> {
  readonly index = 0;
  expected = 0;
  sleepMs = Number.POSITIVE_INFINITY;
  result = 0;
  steps = 0;
  finished = 0;
  constructor(
    readonly i32: Int32Array,
    readonly target: number,
    readonly throwAt = -1,
  ) {}
  step(): boolean {
    this.steps++;
    if (this.steps === this.throwAt) throw new RangeError(`step ${this.steps}`);
    const value = Atomics.load(this.i32, 0);
    if (value >= this.target) {
      this.result = value;
      return true;
    }
    this.expected = value;
    return false;
  }
  finish(): void {
    this.finished++;
  }
}

describe("the wait-loop drivers: one loop, run blocking, async or by any sleep", () => {
  it("drive sleeps between steps on the loop's word and value, then returns its result; finish runs once", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const loop = new ReachWait(i32, 3);
    const sleeps: string[] = [];
    const result = drive(loop, (word, index, expected, ms) => {
      expect(word).toBe(i32);
      sleeps.push(`${index}:${expected}:${ms}`);
      Atomics.add(i32, 0, 1); // what another thread does while this one sleeps
    });
    expect(result).toBe(3);
    expect(sleeps).toEqual(["0:0:Infinity", "0:1:Infinity", "0:2:Infinity"]);
    expect(loop.steps).toBe(4);
    expect(loop.finished).toBe(1);
  });

  it("a step that throws ends the wait with that error, after finish", () => {
    const loop = new ReachWait(new Int32Array(new SharedArrayBuffer(4)), 5, 2);
    expect(() => drive(loop, () => {})).toThrow(new RangeError("step 2"));
    expect(loop.finished).toBe(1);
  });

  it("driveSync sleeps with waitSync: a word already changed returns without sleeping for the timeout", () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const loop = new ReachWait(i32, 1);
    loop.sleepMs = 60_000;
    Atomics.store(i32, 0, 1);
    expect(driveSync(loop)).toBe(1);
    expect(loop.finished).toBe(1);
  });

  it("driveAsync sleeps with waitAsync and wakes on a notify", async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const loop = new ReachWait(i32, 1);
    const pending = driveAsync(loop);
    setTimeout(() => {
      Atomics.store(i32, 0, 1);
      notify(i32, 0);
    }, 5);
    expect(await pending).toBe(1);
    expect(loop.finished).toBe(1);
  });

  it("driveAsync rejects with sabkit's AbortError (cause = the reason) when the signal aborts a sleep, after finish", async () => {
    const loop = new ReachWait(new Int32Array(new SharedArrayBuffer(4)), 1);
    const controller = new AbortController();
    const pending = driveAsync(loop, controller.signal);
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 5);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(loop.finished).toBe(1);
  });
});
