// Worker side of test/death.test.ts: threads that die holding a Queue's lock,
// or in the middle of puts and gets.

import { OwnerDiedError, threadIdentity } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
import { Queue } from "../../src/index.js";
import { LOCK, LOCK_OWNER, lockQueue } from "../../src/internal.js";

/** Takes the queue's internal lock, says so in `cell` (its identity), then spins until terminated. */
export function holdLock(
  _ctx: ScenarioContext,
  handle: { buffer: SharedArrayBuffer; byteOffset: number },
  cell: Int32Array,
): never {
  // Any kind of queue (Queue, JoinableQueue, SimpleQueue): they share the header layout.
  lockQueue(new Int32Array(handle.buffer, handle.byteOffset, 16), LOCK, LOCK_OWNER, undefined);
  Atomics.store(cell, 0, threadIdentity());
  for (;;) {
    // Busy: terminate() stops it here, holding the lock.
  }
}

/** Blocks in `get` behind a lock held by another thread; returns what happened. */
export function getBehindLock(_ctx: ScenarioContext, handle: unknown): string {
  const queue = Queue.from<number>(handle);
  try {
    return `value ${queue.get({ timeout: 15_000 })}`;
  } catch (error) {
    return error instanceof OwnerDiedError
      ? `OwnerDiedError ${error.ownerIdentity}`
      : `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/**
 * Puts `first`, `first + 1`, … in batches of 1 to 8 until terminated; after
 * each batch returns, `confirmed[0]` is the count put so far.
 */
export function putUntilKilled(
  _ctx: ScenarioContext,
  handle: unknown,
  first: number,
  confirmed: Int32Array,
): never {
  const queue = Queue.from<number>(handle);
  let next = first;
  for (let round = 0; ; round++) {
    const batch = Array.from({ length: 1 + (round % 8) }, (_, k) => next + k);
    queue.putMany(batch, { timeout: 15_000 });
    next += batch.length;
    Atomics.store(confirmed, 0, next - first);
  }
}

/**
 * Takes items in batches of 1 to 8 until terminated, storing each one it
 * received in `got` (`got[0]` = how many, then the items).
 */
export function getUntilKilled(_ctx: ScenarioContext, handle: unknown, got: Int32Array): never {
  const queue = Queue.from<number>(handle);
  for (let round = 0; ; round++) {
    const items = queue.getMany(1 + (round % 8), { timeout: 15_000 });
    let n = Atomics.load(got, 0);
    for (const item of items) got[1 + n++] = item;
    Atomics.store(got, 0, n);
  }
}
