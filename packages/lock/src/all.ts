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
import { Deadline, driveAsync, driveSync, type WaitLoop } from "@sabkit/core/internal";
import { BEGIN_ACQUIRE, END_ACQUIRE, isLockable, type Lockable, ORDER_KEY } from "./lockable.js";
import { ASYNC_SPIN_LIMIT, LockWait, SPIN_LIMIT } from "./mutex.js";

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

/**
 * The acquisitions of one `Lock.all` call as one wait: each lock in order,
 * by its fast path or by stepping its LockWait (whose word this loop sleeps
 * on meanwhile). An owner's death on one lock is remembered and thrown once
 * all are held; any other error releases what it holds (`finish`).
 */
class AllWait implements WaitLoop<Guard> {
  result!: Guard;
  readonly #locks: Lockable[];
  readonly #deadline: Deadline;
  readonly #spinLimit: number;
  readonly #guards: Guard[] = [];
  #next = 0;
  #wait: LockWait | undefined;
  #died: OwnerDiedError | undefined;
  #done = false;

  constructor(locks: Lockable[], deadline: Deadline, spinLimit: number) {
    this.#locks = locks;
    this.#deadline = deadline;
    this.#spinLimit = spinLimit;
  }

  // The sleep of the lock being waited for (step() returned false, so there is one).
  get i32(): Int32Array {
    return this.#wait!.i32;
  }
  get index(): number {
    return this.#wait!.index;
  }
  get expected(): number {
    return this.#wait!.expected;
  }
  get sleepMs(): number {
    return this.#wait!.sleepMs;
  }

  step(): boolean {
    for (;;) {
      const wait = this.#wait;
      if (wait !== undefined) {
        if (!wait.step()) return false;
        this.#wait = undefined;
        wait.finish();
        this.#end(this.#locks[this.#next - 1]!, wait.result);
      } else if (this.#next < this.#locks.length) {
        const begun = this.#locks[this.#next++]![BEGIN_ACQUIRE](this.#deadline, this.#spinLimit);
        if (begun instanceof LockWait) this.#wait = begun;
        else this.#guards.push(begun);
      } else {
        this.#done = true; // the caller holds every lock now, whatever is thrown
        if (this.#died !== undefined) throw ownerDied(this.#died, this.#guards);
        this.result = combined(this.#guards);
        return true;
      }
    }
  }

  finish(): void {
    this.#wait?.finish();
    if (!this.#done) releaseAll(this.#guards);
  }

  #end(lock: Lockable, deadOwner: number): void {
    try {
      this.#guards.push(lock[END_ACQUIRE](deadOwner));
    } catch (error) {
      if (!(error instanceof OwnerDiedError) || !(error.guard instanceof Guard)) throw error;
      this.#died ??= error;
      this.#guards.push(error.guard);
    }
  }
}

export function acquireAll(locks: Iterable<Lockable>, options?: WaitOptions): Guard {
  const list = ordered(locks, "Lock.all");
  const deadline = Deadline.from(options, "Lock.all options");
  return driveSync(new AllWait(list, deadline, SPIN_LIMIT));
}

export async function acquireAllAsync(
  locks: Iterable<Lockable>,
  options?: WaitOptions,
): Promise<Guard> {
  const list = ordered(locks, "Lock.allAsync");
  const deadline = Deadline.from(options, "Lock.allAsync options");
  return driveAsync(new AllWait(list, deadline, ASYNC_SPIN_LIMIT), deadline.signal);
}
