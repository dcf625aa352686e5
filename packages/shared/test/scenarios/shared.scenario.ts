// Real-worker scenarios for @sabkit/shared (run by test/workers.test.ts).

import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { revive, threadIdentity } from "@sabkit/core";
import type { Lock } from "@sabkit/lock";
import type { ScenarioContext } from "@sabkit/test-utils";
import {
  Namespace,
  type ShareableList,
  SharedDict,
  SharedList,
  SharedMemory,
  Value,
} from "../../src/index.js";

export function dictUpdate(
  ctx: ScenarioContext,
  handle: unknown,
  keys: number,
  times: number,
): number {
  const dict = SharedDict.from<string, number>(handle);
  for (let i = 0; i < times; i++) dict.update(`k${(i + ctx.index) % keys}`, (n = 0) => n + 1);
  return times;
}

export function dictInsert(
  ctx: ScenarioContext,
  handle: unknown,
  times: number,
  bodyLength: number,
): number {
  const dict = SharedDict.from<string, { w: number; i: number; body: string }>(handle);
  const body = "x".repeat(bodyLength);
  for (let i = 0; i < times; i++) dict.set(`w${ctx.index}:${i}`, { w: ctx.index, i, body });
  return dict.size;
}

export function listPush(ctx: ScenarioContext, handle: unknown, times: number): number {
  const list = SharedList.from<[number, number]>(handle);
  for (let i = 0; i < times; i++) list.push([ctx.index, i]);
  return times;
}

/**
 * The unlocked read-then-write of `value.value += 1`, with the workers made
 * to overlap every time: each reads, all meet at a rendezvous (the
 * `arrivals` word), then each writes what it read + 1. Every round keeps one
 * increment of all the workers' (the others' reads were stale).
 */
export function valueOverlapped(
  _ctx: ScenarioContext,
  handle: unknown,
  arrivals: Int32Array,
  workers: number,
  times: number,
): number {
  const value = Value.from<"int32">(handle);
  for (let round = 1; round <= times; round++) {
    const seen = value.value;
    // Publishes this worker's read to the others' loads below; wakes them.
    Atomics.add(arrivals, 0, 1);
    notify(arrivals, 0);
    for (let now = Atomics.load(arrivals, 0); now < workers * round; ) {
      if (waitSync(arrivals, 0, now, 30_000) === "timed-out") {
        throw new Error(
          `valueOverlapped: round ${round}: the other workers did not arrive in 30 s`,
        );
      }
      // Pairs with the Atomics.add of the other workers.
      now = Atomics.load(arrivals, 0);
    }
    value.value = seen + 1;
  }
  return times;
}

/** A read / spin / write of the Value, holding its lock: no increment is lost. */
export function valueLocked(_ctx: ScenarioContext, handle: unknown, times: number): number {
  const value = Value.from<"int32">(handle);
  for (let i = 0; i < times; i++) {
    using _held = value.getLock().acquire({ timeout: 30_000 });
    const seen = value.value;
    for (let s = 0; s < 4; s++) spinWait(s);
    value.value = seen + 1;
  }
  return times;
}

export function valueAdd(_ctx: ScenarioContext, handle: unknown, times: number): number {
  const value = Value.from<"bigint64">(handle);
  for (let i = 0; i < times; i++) value.add(1n);
  return times;
}

/** Writers keep every entry's fields equal (a: n, b: n * 2, c: "n"); readers snapshot and check. */
export function snapshotWriter(
  ctx: ScenarioContext,
  handle: unknown,
  keys: number,
  times: number,
  done: Int32Array,
): number {
  const dict = SharedDict.from<string, { a: number; b: number; c: string }>(handle);
  for (let i = 0; i < times; i++) {
    const n = i * 10 + ctx.index;
    const key = `k${i % keys}`;
    if (i % 7 === 3) dict.delete(key);
    else dict.set(key, { a: n, b: n * 2, c: String(n).repeat(1 + (n % 5)) });
  }
  Atomics.add(done, 0, 1);
  return times;
}

export function snapshotReader(
  _ctx: ScenarioContext,
  handle: unknown,
  writers: number,
  done: Int32Array,
): { snapshots: number; torn: number; errors: string[] } {
  const dict = SharedDict.from<string, { a: number; b: number; c: string }>(handle);
  let snapshots = 0;
  let torn = 0;
  const errors: string[] = [];
  while (Atomics.load(done, 0) < writers || snapshots < 3) {
    try {
      for (const [key, value] of dict) {
        if (
          typeof key !== "string" ||
          value.b !== value.a * 2 ||
          value.c !== String(value.a).repeat(1 + (value.a % 5))
        )
          torn++;
      }
      snapshots++;
    } catch (error) {
      errors.push(String(error));
      break;
    }
  }
  return { snapshots, torn, errors };
}

/** Attaches a block by name (over the BroadcastChannel) and one by revived handle. */
export async function attachByName(
  _ctx: ScenarioContext,
  name: string,
  args: unknown,
): Promise<number[]> {
  const shm = await SharedMemory.attach(name, { timeout: 20_000 });
  const [list] = revive<[ShareableList]>(args);
  shm.buf[1] = (shm.buf[0] as number) + 1;
  list.set(0, "from worker");
  shm.close();
  return [shm.size, list.length];
}

/** Share/revive of every kind in args. */
export function reviveAll(_ctx: ScenarioContext, args: unknown): string[] {
  const [dict, list, value, array, ns] =
    revive<
      [
        SharedDict<string, number>,
        SharedList<number>,
        Value<"i">,
        { array: Int32Array },
        { set(k: string, v: unknown): void },
      ]
    >(args);
  dict.set("worker", 1);
  list.push(7);
  value.add(1);
  array.array[0] = 9;
  ns.set("done", true);
  return [dict.constructor.name, list.constructor.name, value.constructor.name];
}

/** Holds the dict's lock until the test sets flags[1] (flags[0] = 1 once held). */
export function holdDictLock(_ctx: ScenarioContext, handle: unknown, flags: Int32Array): void {
  holdUntilReleased(SharedDict.from(handle).getLock(), flags);
}

/** Holds the list's lock until the test sets flags[1] (flags[0] = 1 once held). */
export function holdListLock(_ctx: ScenarioContext, handle: unknown, flags: Int32Array): void {
  holdUntilReleased(SharedList.from(handle).getLock(), flags);
}

/** Holds the namespace's lock until the test sets flags[1] (flags[0] = 1 once held). */
export function holdNamespaceLock(_ctx: ScenarioContext, handle: unknown, flags: Int32Array): void {
  holdUntilReleased(Namespace.from(handle).getLock(), flags);
}

function holdUntilReleased(lock: Lock, flags: Int32Array): void {
  lock.acquire({ timeout: 30_000 });
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 100);
  lock.release();
}

/** Read-modify-write of one key through `atomically`: two operations, one lock hold. */
export function dictAtomically(_ctx: ScenarioContext, handle: unknown, times: number): number {
  const dict = SharedDict.from<string, number>(handle);
  for (let i = 0; i < times; i++) {
    dict.atomically((d) => {
      d.set("n", (d.get("n") ?? 0) + 1);
      if (d.has("odd")) d.delete("odd");
      else d.set("odd", 1);
    });
  }
  return times;
}

/** Read-modify-write of item 0 and an append, as one step, through `atomically`. */
export function listAtomically(ctx: ScenarioContext, handle: unknown, times: number): number {
  const list = SharedList.from<number>(handle);
  for (let i = 0; i < times; i++) {
    list.atomically((l) => {
      l.set(0, l.get(0) + 1);
      l.insert(1, ctx.index);
      l.remove(ctx.index); // the one just inserted: the list keeps one item
    });
  }
  return times;
}

/**
 * Starts a write inside `atomically`, publishes its thread identity in
 * `cell[0]`, and blocks there (holding the container's lock) until terminated.
 */
export function dieInAtomically(
  _ctx: ScenarioContext,
  kind: "dict" | "list",
  handle: unknown,
  cell: SharedArrayBuffer,
): void {
  const i32 = new Int32Array(cell);
  const hang = () => {
    // Publishes "I hold the lock, first step written" to the test's Atomics.load.
    Atomics.store(i32, 0, threadIdentity());
    // Sleeps until the test terminates this worker (nobody notifies cell[1]).
    for (;;) Atomics.wait(i32, 1, 0, 1000);
  };
  if (kind === "dict") {
    SharedDict.from<string, number>(handle).atomically((d) => {
      d.set("first", 1);
      hang();
      d.set("second", 2);
    });
  } else {
    SharedList.from<number>(handle).atomically((l) => {
      l.push(1);
      hang();
      l.push(2);
    });
  }
}

/**
 * Writes `k{i % keys}` = `${i}` + 100 bytes for i = 0, 1, … until the test terminates this worker
 * (the overwritten records become garbage, so the heap is compacted by a rebuild again and
 * again); after each write returns, stores how many did in cell[0].
 */
export function overwriteUntilKilled(
  _ctx: ScenarioContext,
  handle: unknown,
  cell: SharedArrayBuffer,
  keys: number,
): void {
  const dict = SharedDict.from<string, string>(handle);
  const acknowledged = new Int32Array(cell);
  const pad = "x".repeat(100);
  for (let i = 0; ; i++) {
    dict.set(`k${i % keys}`, `${i}${pad}`);
    // Publishes "writes 0 … i are in" to the test's Atomics.load after the worker is dead.
    Atomics.store(acknowledged, 0, i + 1);
  }
}
