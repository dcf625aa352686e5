import { AbortError, NotOwnerError, share } from "@sabkit/core";
import { runInWorkers, scaled, startWorker, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Condition, Lock, RLock } from "../src/index.js";
import { DEPTH } from "../src/internal.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);
const counter = () => new Int32Array(new SharedArrayBuffer(16));

/** Waits (bounded) until `predicate()` holds, polling. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!predicate()) throw new Error(`${what} did not happen within 20 s`);
}

describe("Condition across real workers", () => {
  it.each([
    ["Lock", () => new Lock()],
    ["RLock", () => new RLock()],
  ])(
    "producer/consumer with 4 consumers (half async) and 2 producers over a %s: every item taken once",
    async (_, make) => {
      const cond = new Condition(make());
      const shared = counter();
      const perConsumer = scaled(300);
      const consumers = runInWorkers<number>(scenarios, "consume", {
        workers: 4,
        args: [share({ lock: cond.lock, cond, counter: shared }), perConsumer],
        timeoutMs: 60_000,
      });
      const producers = runInWorkers<number>(scenarios, "produce", {
        workers: 2,
        args: [share({ lock: cond.lock, cond, counter: shared }), 2 * perConsumer],
        timeoutMs: 60_000,
      });
      expect(await producers).toEqual([2 * perConsumer, 2 * perConsumer]);
      expect(await consumers).toEqual([perConsumer, perConsumer, perConsumer, perConsumer]);
      expect([shared[0], shared[1]]).toEqual([0, 4 * perConsumer]);
    },
  );

  it("notify(2) wakes exactly 2 of 6 waiting workers, notifyAll the rest; a timed-out waiter costs nobody a wake-up", async () => {
    const cond = new Condition(new Lock());
    const shared = counter();
    const tree = share({ lock: cond.lock, cond, counter: shared });
    // A waiter that times out first: its ticket must be skipped later.
    const early = startWorker<boolean>(scenarios, "waitOnce", { args: [tree, 50], index: 0 });
    expect(await withTimeLimit(early.result, 20_000, "early waiter")).toBe(false);
    await early.terminate();
    const waiters = runInWorkers<boolean>(scenarios, "waitOnce", {
      workers: 6,
      args: [tree, 20_000],
      timeoutMs: 40_000,
    });
    await until(() => Atomics.load(shared, 2) === 7, "6 waiters registering");
    {
      using _held = cond.acquire();
      cond.notify(2);
    }
    await until(() => Atomics.load(shared, 3) === 2, "2 wake-ups");
    await new Promise((r) => setTimeout(r, 200));
    expect(Atomics.load(shared, 3)).toBe(2); // not 3: exactly n
    {
      using _held = cond.acquire();
      cond.notify(0);
      cond.notifyAll();
    }
    expect(await waiters).toEqual([true, true, true, true, true, true]);
    expect(Atomics.load(shared, 3)).toBe(6);
  });
});

describe("Condition in one thread", () => {
  it("waiting or notifying without the lock is a NotOwnerError; a bad n or predicate is a RangeError / TypeError", async () => {
    const cond = new Condition();
    expect(cond.lock).toBeInstanceOf(RLock);
    expect(() => cond.wait()).toThrow(NotOwnerError);
    await expect(cond.waitAsync()).rejects.toBeInstanceOf(NotOwnerError);
    expect(() => cond.notify()).toThrow(NotOwnerError);
    expect(() => cond.notifyAll()).toThrow(NotOwnerError);
    using _held = cond.acquire();
    for (const n of [-1, 1.5, Number.NaN, "1"])
      expect(() => cond.notify(n as number)).toThrow(RangeError);
    expect(() => cond.waitFor(5 as never)).toThrow(TypeError);
    expect(() => cond.wait({ timeout: -1 })).toThrow(RangeError);
  });

  it("timeouts return false with the lock held again (RLock depth restored); waitFor returns the predicate's value", async () => {
    const rlock = new RLock();
    const cond = new Condition(rlock);
    using _a = cond.acquire();
    using _b = cond.acquire(); // depth 2
    expect(cond.wait({ timeout: 10 })).toBe(false);
    expect(await cond.waitAsync({ timeout: 10 })).toBe(false);
    expect(cond.waitFor(() => 0, { timeout: 10 })).toBe(0);
    expect(await cond.waitForAsync(() => "", { timeout: 10 })).toBe("");
    expect(cond.waitFor(() => 7)).toBe(7);
    const words = new Int32Array(rlock.handle.buffer);
    expect(words[DEPTH]).toBe(2); // restored after every wait
  });

  it("an aborted wait throws AbortError with the lock held again", async () => {
    const cond = new Condition(new Lock());
    using _held = cond.acquire();
    const controller = new AbortController();
    const pending = cond.waitAsync({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("bye")), 10);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(cond.lock.locked).toBe(true);
    expect(() => cond.notify()).not.toThrow();
  });

  it("an async waiter on the same thread is woken by notify (and ticket order is kept)", async () => {
    const cond = new Condition(new Lock());
    const order: number[] = [];
    const waiter = async (id: number) => {
      await using _held = await cond.acquireAsync();
      if (await cond.waitAsync({ timeout: 10_000 })) order.push(id);
    };
    const first = waiter(1);
    await new Promise((r) => setTimeout(r, 20));
    const second = waiter(2);
    await new Promise((r) => setTimeout(r, 20));
    {
      await using _held = await cond.acquireAsync();
      cond.notify();
    }
    await first;
    expect(order).toEqual([1]);
    {
      await using _held = await cond.acquireAsync();
      cond.notify();
    }
    await second;
    expect(order).toEqual([1, 2]);
  });
});
