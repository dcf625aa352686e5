import { AbortError, InvalidHandleError, revive, share } from "@sabkit/core";
import { runInWorkers, scaled, startWorker } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Event } from "../src/index.js";
import { STATE, WAITERS } from "../src/internal.js";

const scenario = new URL("./scenarios/event.scenario.ts", import.meta.url);
const words = (event: Event) => new Int32Array(event.handle.buffer, event.handle.byteOffset, 3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilWaiters(event: Event, n: number): Promise<void> {
  const w = words(event);
  for (let i = 0; i < 4_000 && Atomics.load(w, WAITERS) < n; i++) await sleep(5);
  expect(Atomics.load(w, WAITERS)).toBe(n);
}

describe("Event on one thread", () => {
  it("set() and clear() flip isSet(), and wait returns true at once when the flag is set", async () => {
    const event = new Event();
    expect(event.isSet()).toBe(false);
    event.set();
    event.set(); // idempotent
    expect(event.isSet()).toBe(true);
    expect(event.wait()).toBe(true);
    expect(event.wait({ timeout: 0 })).toBe(true);
    expect(await event.waitAsync()).toBe(true);
    event.clear();
    event.clear();
    expect(event.isSet()).toBe(false);
    expect(words(event)[STATE]).toBe(2); // set + clear, the repeats changed nothing
  });

  it("wait returns false on timeout, as Python (timeout 0 = look once)", async () => {
    const event = new Event();
    expect(event.wait({ timeout: 0 })).toBe(false);
    const start = performance.now();
    expect(event.wait({ timeout: 30 })).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
    expect(await event.waitAsync({ timeout: 20 })).toBe(false);
    expect(words(event)[WAITERS]).toBe(0);
  });

  it("waitAsync resolves true when set later; AbortError when its signal aborts", async () => {
    const event = new Event();
    const pending = event.waitAsync({ timeout: 5_000 });
    setTimeout(() => event.set(), 10);
    expect(await pending).toBe(true);
    const idle = new Event();
    const controller = new AbortController();
    const aborted = idle.waitAsync({ signal: controller.signal });
    setTimeout(() => controller.abort("stop"), 10);
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe("ERR_SABKIT_ABORTED");
    expect((error as AbortError).cause).toBe("stop");
    await expect(idle.waitAsync({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(words(idle)[WAITERS]).toBe(0);
  });

  it("the state word survives wrapping past 2^32 (parity keeps the flag)", () => {
    const event = new Event();
    Atomics.store(words(event), STATE, -2); // even: clear, two steps before wrapping to 0
    event.set();
    expect(event.isSet()).toBe(true);
    event.clear();
    expect(words(event)[STATE]).toBe(0);
    expect(event.isSet()).toBe(false);
    event.set();
    expect(event.wait({ timeout: 0 })).toBe(true);
  });
});

describe("in real workers", () => {
  it("set() wakes every waiter: 2 blocking and 2 async, in 4 workers", async () => {
    const event = new Event();
    const workers = [0, 1, 2, 3].map((index) =>
      startWorker<string>(scenario, "waitOnce", {
        index,
        workers: 4,
        args: [share({ event }), 20_000],
      }),
    );
    try {
      await untilWaiters(event, 4);
      event.set();
      const results = await Promise.all(workers.map((w) => w.result));
      expect(results).toEqual(["sync:true", "async:true", "sync:true", "async:true"]);
      expect(words(event)[WAITERS]).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it("a set immediately followed by clear still releases every sleeping waiter with true", async () => {
    const event = new Event();
    const workers = [0, 1].map((index) =>
      startWorker<string>(scenario, "waitOnce", {
        index,
        workers: 2,
        args: [share({ event }), 20_000],
      }),
    );
    try {
      await untilWaiters(event, 2);
      event.set();
      event.clear();
      expect(await Promise.all(workers.map((w) => w.result))).toEqual(["sync:true", "async:true"]);
      expect(event.isSet()).toBe(false);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it("waiters in workers time out with false when nobody sets", async () => {
    const event = new Event();
    const results = await runInWorkers<string>(scenario, "waitOnce", {
      workers: 2,
      args: [share({ event }), 50],
      timeoutMs: 20_000,
    });
    expect(results).toEqual(["sync:false", "async:false"]);
  });

  it("ping-pong between two workers for many rounds loses no set", async () => {
    const ping = new Event();
    const pong = new Event();
    const log = new Int32Array(new SharedArrayBuffer(4));
    const rounds = scaled(2_000);
    const done = await runInWorkers<number>(scenario, "pingPong", {
      workers: 2,
      args: [share({ ping, pong, log }), rounds],
      timeoutMs: 25_000,
    });
    expect(done).toEqual([rounds, rounds]);
    expect(log[0]).toBe(rounds);
  });
});

describe("bad inputs and handles", () => {
  it("bad options are RangeError / TypeError, and change nothing", async () => {
    const event = new Event();
    for (const timeout of [-1, Number.NaN, Number.NEGATIVE_INFINITY, "5"]) {
      expect(() => event.wait({ timeout: timeout as number })).toThrow(RangeError);
      await expect(event.waitAsync({ timeout: timeout as number })).rejects.toBeInstanceOf(
        RangeError,
      );
    }
    expect(() => event.wait(1 as never)).toThrow(TypeError);
    await expect(event.waitAsync({ signal: "x" as never })).rejects.toBeInstanceOf(TypeError);
    expect(words(event)[WAITERS]).toBe(0);
  });

  it("share/revive and from() give the same event", () => {
    const event = new Event();
    const copy = revive<{ event: Event }>(structuredClone(share({ event }))).event;
    copy.set();
    expect(event.isSet()).toBe(true);
    expect(Event.from(event.handle).isSet()).toBe(true);
  });

  it("wrong kind, version, buffer, size, tag -> InvalidHandleError", () => {
    const h = new Event().handle;
    for (const handle of [
      null,
      "event",
      { ...h, kind: "semaphore" },
      { ...h, version: 9 },
      { ...h, buffer: new ArrayBuffer(64) },
      { ...h, byteLength: 4 },
      { ...h, byteOffset: 1 },
      { ...h, buffer: new SharedArrayBuffer(64) }, // never initialised: tag 0
    ]) {
      expect(() => Event.from(handle)).toThrow(InvalidHandleError);
    }
  });
});

describe("placement in a caller's buffer", () => {
  it("Events placed side by side in one buffer start clear and are independent of each other", () => {
    const buffer = new SharedArrayBuffer(3 * Event.byteLength);
    new Uint8Array(buffer).fill(0xff); // garbage the placement must clear
    const events = [0, 1, 2].map((i) => new Event({ buffer, byteOffset: i * Event.byteLength }));
    expect(events.map((event) => event.isSet())).toEqual([false, false, false]);
    events[1]!.set();
    expect(events.map((event) => event.wait({ timeout: 0 }))).toEqual([false, true, false]);
    expect(Event.from(events[1]!.handle).isSet()).toBe(true);
    expect(events.every((event) => event.handle.buffer === buffer)).toBe(true);
  });

  it("a bad placement is a typed error and writes nothing", () => {
    const buffer = new SharedArrayBuffer(Event.byteLength);
    expect(() => new Event({ buffer, byteOffset: 2 })).toThrow(InvalidHandleError); // misaligned
    expect(() => new Event({ buffer, byteOffset: 4 })).toThrow(InvalidHandleError); // does not fit
    expect(
      () => new Event({ buffer: new ArrayBuffer(64) as unknown as SharedArrayBuffer }),
    ).toThrow(InvalidHandleError);
    expect(() => new Event({ byteOffset: 0 })).toThrow(TypeError); // an offset without a buffer
    expect(new Int32Array(buffer).every((word) => word === 0)).toBe(true);
  });
});
