// Worker side of the lock tests. Shared trees arrive through share()/revive().
import { waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { DeadlockError, type Guard, OwnerDiedError, revive, threadIdentity } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
import { type Condition, Lock, type RLock, type RwLock } from "../../src/index.js";

type Shared = {
  lock: Lock | RLock;
  other?: Lock | RLock;
  cond?: Condition;
  rw?: RwLock;
  counter: Int32Array;
};

/** Plain (non-atomic) read-modify-write increments under the lock; odd workers use acquireAsync. */
export async function increment(ctx: ScenarioContext, tree: unknown, times: number) {
  const { lock, counter } = revive<Shared>(tree);
  for (let i = 0; i < times; i++) {
    if (ctx.index % 2 === 1) {
      await using _held = await lock.acquireAsync({ timeout: 20_000 });
      const value = counter[0]!;
      counter[0] = value + 1;
    } else {
      using _held = lock.acquire({ timeout: 20_000 });
      const value = counter[0]!;
      counter[0] = value + 1;
    }
  }
  return times;
}

/** RLock: nested acquisitions, and the exact counts after each level. */
export function nested(_ctx: ScenarioContext, tree: unknown, times: number) {
  const { lock, counter } = revive<Shared>(tree);
  for (let i = 0; i < times; i++) {
    using _a = lock.acquire();
    using _b = lock.acquire({ timeout: 0 });
    if (!lock.tryAcquire()) throw new Error("RLock.tryAcquire failed for the owner");
    counter[0] = counter[0]! + 1;
    lock.release();
  }
  return threadIdentity();
}

/** Both locks through Lock.all in the given order, many times. */
export function both(_ctx: ScenarioContext, tree: unknown, reversed: boolean, times: number) {
  const { lock, other, counter } = revive<Shared>(tree);
  const locks = reversed ? [other!, lock] : [lock, other!];
  for (let i = 0; i < times; i++) {
    using _all = Lock.all(locks, { timeout: 20_000 });
    counter[0] = counter[0]! + 1;
    counter[1] = counter[1]! + 1;
  }
  return times;
}

/** Acquires the lock, publishes `threadIdentity()` in cell[0], then hangs or throws. */
export async function holdThen(
  _ctx: ScenarioContext,
  tree: unknown,
  cell: SharedArrayBuffer,
  mode: "hang" | "throw",
  depth = 1,
) {
  const { lock, counter } = revive<Shared>(tree);
  for (let d = 0; d < depth; d++) lock.acquire();
  counter[0] = 42; // "half-written" state a survivor must repair
  const i32 = new Int32Array(cell);
  Atomics.store(i32, 0, threadIdentity()); // publishes "I hold it" to the test
  Atomics.notify(i32, 0);
  if (mode === "throw") throw new Error("planted failure while holding the lock");
  await new Promise(() => setInterval(() => {}, 1 << 30));
}

/** Waits (blocking or async) for a lock that a hanging worker holds; reports what happened. */
export async function waitFor(
  _ctx: ScenarioContext,
  tree: unknown,
  cell: SharedArrayBuffer,
  async: boolean,
) {
  const { lock } = revive<Shared>(tree);
  const i32 = new Int32Array(cell);
  Atomics.store(i32, 1, 1); // "about to wait"
  Atomics.notify(i32, 1);
  try {
    const guard = async
      ? await lock.acquireAsync({ timeout: 20_000 })
      : lock.acquire({ timeout: 20_000 });
    guard.release();
    return "acquired";
  } catch (error) {
    if (!(error instanceof OwnerDiedError)) throw error;
    (error.guard as Guard).release(); // repaired: let the other waiter in
    return "owner-died";
  }
}

/**
 * A -> B / B -> A: worker 0 takes `lock` then wants `other`, worker 1 the
 * reverse. Exactly one gets DeadlockError (then releases, letting the other
 * finish).
 */
export async function cross(
  ctx: ScenarioContext,
  tree: unknown,
  gate: SharedArrayBuffer,
  async: boolean,
) {
  const { lock, other } = revive<Shared>(tree);
  const [first, second] = ctx.index === 0 ? [lock, other!] : [other!, lock];
  const g = new Int32Array(gate);
  using _first = first.acquire();
  // Both hold their first lock before either asks for the second.
  Atomics.add(g, 0, 1);
  Atomics.notify(g, 0);
  while (Atomics.load(g, 0) < 2) waitSync(g, 0, Atomics.load(g, 0), 100);
  try {
    const held: Guard = async
      ? await second.acquireAsync({ timeout: 15_000 })
      : second.acquire({ timeout: 15_000 });
    held.release();
    return { outcome: "acquired", identity: threadIdentity() };
  } catch (error) {
    if (!(error instanceof DeadlockError)) throw error;
    return {
      outcome: "deadlock",
      identity: threadIdentity(),
      code: error.code,
      cycle: [...error.cycle],
      message: error.message,
    };
  }
}

/** Consumer: takes `perConsumer` items (counter[0] = available, counter[1] = taken) with waitFor. */
export async function consume(ctx: ScenarioContext, tree: unknown, perConsumer: number) {
  const { cond, counter } = revive<Shared>(tree);
  let taken = 0;
  while (taken < perConsumer) {
    if (ctx.index % 2 === 1) {
      await using _held = await cond!.acquireAsync();
      await cond!.waitForAsync(() => counter[0]! > 0, { timeout: 20_000 });
      if (counter[0]! > 0) {
        counter[0] = counter[0]! - 1;
        counter[1] = counter[1]! + 1;
        taken++;
      }
    } else {
      using _held = cond!.acquire();
      cond!.waitFor(() => counter[0]! > 0, { timeout: 20_000 });
      if (counter[0]! > 0) {
        counter[0] = counter[0]! - 1;
        counter[1] = counter[1]! + 1;
        taken++;
      }
    }
  }
  return taken;
}

/** Producer: puts `count` items one at a time, notify() after each. */
export function produce(_ctx: ScenarioContext, tree: unknown, count: number) {
  const { cond, counter } = revive<Shared>(tree);
  for (let i = 0; i < count; i++) {
    using _held = cond!.acquire();
    counter[0] = counter[0]! + 1;
    cond!.notify();
  }
  return count;
}

/**
 * One condition waiter: registers (counter[2] += 1 under the lock), waits
 * once, records whether it was notified (counter[3] += 1 when woken).
 */
export async function waitOnce(ctx: ScenarioContext, tree: unknown, timeoutMs: number) {
  const { cond, counter } = revive<Shared>(tree);
  const held = ctx.index % 2 === 1 ? await cond!.acquireAsync() : cond!.acquire();
  try {
    counter[2] = counter[2]! + 1;
    const notified =
      ctx.index % 2 === 1
        ? await cond!.waitAsync({ timeout: timeoutMs })
        : cond!.wait({ timeout: timeoutMs });
    if (notified) counter[3] = counter[3]! + 1;
    return notified;
  } finally {
    held.release();
  }
}

/**
 * Fairness: the "barger" worker (index 0) acquires and releases in a tight
 * loop until the waiter is done; the waiter (index 1) acquires `times`
 * times and reports, for each, how many barger acquisitions happened while
 * it waited (counter[0] counts barger acquisitions; counter[1] = done flag).
 */
export async function fairness(ctx: ScenarioContext, tree: unknown, times: number) {
  const { lock, counter } = revive<Shared>(tree);
  if (ctx.index === 0) {
    let n = 0;
    while (Atomics.load(counter, 1) === 0) {
      using _held = lock.acquire();
      counter[0] = counter[0]! + 1;
      n++;
    }
    return [n];
  }
  // Let the barger get going.
  while (Atomics.load(counter, 0) < 1000) await new Promise((r) => setTimeout(r, 1));
  const overtaken: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = Atomics.load(counter, 0);
    {
      using _held = lock.acquire({ timeout: 20_000 });
      overtaken.push(counter[0]! - before);
    }
  }
  Atomics.store(counter, 1, 1);
  return overtaken;
}

/** Readers in a steady stream (index > 0) and one writer (index 0) that must get in `times` times. */
export async function readersAndWriter(ctx: ScenarioContext, tree: unknown, times: number) {
  const { rw, counter } = revive<Shared>(tree);
  if (ctx.index === 0) {
    while (Atomics.load(counter, 2) < ctx.workers - 1) await new Promise((r) => setTimeout(r, 1));
    let writes = 0;
    for (let i = 0; i < times; i++) {
      using _w =
        i % 2 === 0 ? rw!.write({ timeout: 20_000 }) : await rw!.writeAsync({ timeout: 20_000 });
      const inside = Atomics.load(counter, 3);
      if (inside !== 0) throw new Error(`a writer saw ${inside} readers inside`);
      counter[0] = counter[0]! + 1;
      writes++;
    }
    Atomics.store(counter, 1, 1);
    return writes;
  }
  Atomics.add(counter, 2, 1);
  let reads = 0;
  // Back-to-back readers in 3 workers: the read count is rarely 0, which
  // starves writers of a reader-preferring lock. (One thread must not hold
  // a read guard while asking for another: a writer in between would make
  // it wait for itself.)
  while (Atomics.load(counter, 1) === 0) {
    const held =
      ctx.index % 2 === 0
        ? rw!.read({ timeout: 20_000 })
        : await rw!.readAsync({ timeout: 20_000 });
    Atomics.add(counter, 3, 1); // readers inside, as the writer checks
    const seen = counter[0];
    for (let spin = 0; spin < 200; spin++) if (rw!.writeLocked && spin > 100) break;
    if (counter[0] !== seen) throw new Error("a write happened while a reader was inside");
    Atomics.sub(counter, 3, 1);
    held.release();
    reads++;
  }
  return reads;
}

/** Holds the lock until cell[1] becomes 1 (the test's signal), publishing identity in cell[0]. */
export async function holdUntil(_ctx: ScenarioContext, tree: unknown, cell: SharedArrayBuffer) {
  const { lock } = revive<Shared>(tree);
  const i32 = new Int32Array(cell);
  using _held = lock.acquire();
  Atomics.store(i32, 0, threadIdentity());
  Atomics.notify(i32, 0);
  while (Atomics.load(i32, 1) === 0) await waitAsync(i32, 1, 0, 1000);
  return "released";
}

/** Release by a thread that does not hold it. */
export function releaseForeign(_ctx: ScenarioContext, tree: unknown) {
  const { lock } = revive<Shared>(tree);
  try {
    lock.release();
    return "released";
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** Each of many locks (placed in one buffer) guards its own plain counter; odd workers use acquireAsync. */
export async function incrementEach(
  ctx: ScenarioContext,
  handles: unknown[],
  counters: Int32Array,
  rounds: number,
) {
  const locks = handles.map((handle) => Lock.from(handle));
  for (let round = 0; round < rounds; round++) {
    for (const [i, lock] of locks.entries()) {
      if (ctx.index % 2 === 1) {
        await using _held = await lock.acquireAsync({ timeout: 20_000 });
        counters[i] = counters[i]! + 1;
      } else {
        using _held = lock.acquire({ timeout: 20_000 });
        counters[i] = counters[i]! + 1;
      }
    }
  }
  return rounds * locks.length;
}
