import { InvalidHandleError } from "@sabkit/core";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Condition, Lock, RLock, RwLock } from "../src/index.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);

describe("locks placed in a caller's buffer", () => {
  it("a thousand Locks in one buffer each exclude on their own across 4 workers: every counter exact", async () => {
    const count = 1000;
    const buffer = new SharedArrayBuffer(count * Lock.byteLength);
    new Uint8Array(buffer).fill(0xa5); // garbage the placement must clear
    const locks = Array.from(
      { length: count },
      (_, i) => new Lock({ buffer, byteOffset: i * Lock.byteLength }),
    );
    for (const [i, lock] of locks.entries()) {
      expect(lock.handle.buffer).toBe(buffer);
      expect(lock.handle.byteOffset).toBe(i * Lock.byteLength);
      expect(lock.locked).toBe(false);
    }
    const counters = new Int32Array(new SharedArrayBuffer(count * 4));
    const rounds = scaled(20);
    const done = await runInWorkers<number>(scenarios, "incrementEach", {
      workers: 4,
      args: [locks.map((lock) => lock.handle), counters, rounds],
      timeoutMs: 120_000,
    });
    expect(done).toEqual([rounds * count, rounds * count, rounds * count, rounds * count]);
    expect(Array.from(counters).filter((n) => n !== 4 * rounds)).toEqual([]);
    expect(locks.filter((lock) => lock.locked)).toEqual([]);
  });

  it("a Lock, an RLock, an RwLock and a Condition side by side keep their own state", () => {
    const offsets: number[] = [];
    let end = 0;
    for (const Class of [Lock, RLock, RwLock, Condition]) {
      end = Math.ceil(end / Class.alignment) * Class.alignment;
      offsets.push(end);
      end += Class.byteLength;
    }
    const buffer = new SharedArrayBuffer(end + 16);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xa5);
    const lock = new Lock({ buffer, byteOffset: offsets[0] });
    const rlock = new RLock({ buffer, byteOffset: offsets[1] });
    const rw = new RwLock({ buffer, byteOffset: offsets[2] });
    const condition = new Condition(undefined, { buffer, byteOffset: offsets[3] });
    // The 16 bytes past the last region are not the primitives' to touch.
    expect(Array.from(bytes.subarray(end))).toEqual(new Array(16).fill(0xa5));

    using _held = lock.acquire();
    expect([lock.locked, rlock.locked, rw.writeLocked, rw.readers]).toEqual([
      true,
      false,
      false,
      0,
    ]);
    using _twice = rlock.acquire();
    using _again = rlock.acquire(); // re-entrant in its own words, not the Lock's
    using _read = rw.read();
    expect(rw.readers).toBe(1);
    expect(condition.tryAcquire()).toBe(true);
    condition.release();
    expect(Lock.from(lock.handle).locked).toBe(true);
    expect(RwLock.from(rw.handle).readers).toBe(1);
  });

  it("a bad placement is a typed error that says what is wrong and writes nothing", () => {
    const buffer = new SharedArrayBuffer(Lock.byteLength + Lock.alignment);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0xa5);
    const cases: [string, () => unknown, abstract new (...args: never[]) => Error][] = [
      ["misaligned", () => new Lock({ buffer, byteOffset: 1 }), InvalidHandleError],
      [
        "past the end",
        () => new Lock({ buffer, byteOffset: 2 * Lock.alignment }),
        InvalidHandleError,
      ],
      [
        "not shared",
        () =>
          new Lock({ buffer: new ArrayBuffer(64) as unknown as SharedArrayBuffer, byteOffset: 0 }),
        InvalidHandleError,
      ],
      ["an offset without a buffer", () => new RLock({ byteOffset: 0 } as never), TypeError],
      ["a negative offset", () => new RwLock({ buffer, byteOffset: -4 }), InvalidHandleError],
    ];
    for (const [what, make, type] of cases) {
      let thrown: unknown;
      try {
        make();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, what).toBeInstanceOf(type);
      expect((thrown as Error).message.length, what).toBeGreaterThan(20);
    }
    expect(bytes.every((b) => b === 0xa5)).toBe(true);
  });
});
