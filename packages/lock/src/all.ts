/**
 * Lock.all: deadlock avoidance by one global order.
 *
 * Every lock carries a key written once by its creator (KEY_HI, KEY_LO: 63
 * random bits, the same in every worker). Acquiring several locks in
 * increasing key order, whatever order the caller lists them in, means no
 * two callers can each hold a lock the other waits for. A lock listed twice
 * (the same object, or two revivals of one lock) is acquired once.
 */
import { Guard, OwnerDiedError, type WaitOptions } from "@sabkit/core";
import { Deadline } from "@sabkit/core/internal";
import { isLockable, type Lockable, ORDER_KEY } from "./lockable.js";

function ordered(locks: Iterable<Lockable>, what: string): Lockable[] {
  if (locks === null || typeof locks !== "object" || !(Symbol.iterator in locks)) {
    throw new TypeError(`${what}: pass an array (or iterable) of Lock / RLock objects`);
  }
  const list = [...locks];
  list.forEach((lock, index) => {
    if (!isLockable(lock)) {
      throw new TypeError(
        `${what}: locks[${index}] is not a Lock or RLock of @sabkit/lock (revive handles with Lock.from first)`,
      );
    }
  });
  list.sort((a, b) => a[ORDER_KEY].hi - b[ORDER_KEY].hi || a[ORDER_KEY].lo - b[ORDER_KEY].lo);
  return list.filter(
    (lock, i) =>
      i === 0 ||
      lock[ORDER_KEY].hi !== list[i - 1]![ORDER_KEY].hi ||
      lock[ORDER_KEY].lo !== list[i - 1]![ORDER_KEY].lo,
  );
}

function releaseAll(guards: Guard[]): void {
  for (let i = guards.length - 1; i >= 0; i--) guards[i]!.release();
}

function combined(guards: Guard[]): Guard {
  return new Guard(() => releaseAll(guards));
}

/** An owner's death on one of the locks: the caller holds them all; `guard` releases them all. */
function ownerDied(first: OwnerDiedError, guards: Guard[]): OwnerDiedError<Guard> {
  const error = new OwnerDiedError<Guard>(
    `Lock.all: ${first.message}; the calling thread holds every lock of the call now (error.guard releases them all)`,
    { ownerIdentity: first.ownerIdentity, cause: first },
  );
  error.guard = combined(guards);
  return error;
}

export function acquireAll(locks: Iterable<Lockable>, options?: WaitOptions): Guard {
  const list = ordered(locks, "Lock.all");
  const deadline = Deadline.from(options, "Lock.all options");
  const guards: Guard[] = [];
  let died: OwnerDiedError | undefined;
  try {
    for (const lock of list) {
      try {
        guards.push(lock.acquire({ timeout: deadline.remainingMs(), signal: deadline.signal }));
      } catch (error) {
        if (!(error instanceof OwnerDiedError) || !(error.guard instanceof Guard)) throw error;
        died ??= error;
        guards.push(error.guard);
      }
    }
  } catch (error) {
    releaseAll(guards);
    throw error;
  }
  if (died !== undefined) throw ownerDied(died, guards);
  return combined(guards);
}

export async function acquireAllAsync(
  locks: Iterable<Lockable>,
  options?: WaitOptions,
): Promise<Guard> {
  const list = ordered(locks, "Lock.allAsync");
  const deadline = Deadline.from(options, "Lock.allAsync options");
  const guards: Guard[] = [];
  let died: OwnerDiedError | undefined;
  try {
    for (const lock of list) {
      try {
        guards.push(
          await lock.acquireAsync({ timeout: deadline.remainingMs(), signal: deadline.signal }),
        );
      } catch (error) {
        if (!(error instanceof OwnerDiedError) || !(error.guard instanceof Guard)) throw error;
        died ??= error;
        guards.push(error.guard);
      }
    }
  } catch (error) {
    releaseAll(guards);
    throw error;
  }
  if (died !== undefined) throw ownerDied(died, guards);
  return combined(guards);
}
