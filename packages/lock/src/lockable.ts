/**
 * What Lock and RLock have in common: the public methods over the raw mutex
 * (mutex.ts), and the internal protocol that Condition and Lock.all use
 * (symbol-keyed methods, so they stay out of the public surface).
 */
import {
  Guard,
  InvalidHandleError,
  isThreadAlive,
  NotOwnerError,
  OwnerDiedError,
  type Placement,
  threadIdentity,
  type WaitOptions,
} from "@sabkit/core";
import {
  Deadline,
  driveAsync,
  driveSync,
  type HandleKind,
  parseWaitOptions,
  placeRegion,
} from "@sabkit/core/internal";
import { lockLabel, rememberLock, threadLabel } from "./deadlock.js";
import {
  ASYNC_SPIN_LIMIT,
  acquired,
  DEPTH,
  FREE,
  initMutex,
  type LockHandle,
  type LockInfo,
  LockWait,
  MUTEX_LAYOUT,
  type RLockHandle,
  readKey,
  SPIN_LIMIT,
  STATE,
  tryLock,
  unlock,
} from "./mutex.js";

/** Options of `new Lock()` / `new RLock()`. */
export interface LockOptions {
  /** A name for messages (DeadlockError, OwnerDiedError, TimeoutError); travels with the handle. */
  name?: string;
  /**
   * Opt in to deadlock detection: a thread that waits for this lock in a
   * cycle of waits (A waits for B's lock, B for A's) gets a DeadlockError
   * naming the cycle instead of waiting for ever. Costs waiters a slice
   * (25 ms) of sleep between looks; the fast path is unchanged.
   */
  detectDeadlocks?: boolean;
}

/** Internal protocol keys (see the module comment). */
export const ORDER_KEY: unique symbol = Symbol("sabkit.lock.orderKey");
export const OWNED: unique symbol = Symbol("sabkit.lock.owned");
export const RELEASE_SAVE: unique symbol = Symbol("sabkit.lock.releaseSave");
export const ACQUIRE_RESTORE: unique symbol = Symbol("sabkit.lock.acquireRestore");
export const ACQUIRE_RESTORE_ASYNC: unique symbol = Symbol("sabkit.lock.acquireRestoreAsync");
export const BEGIN_ACQUIRE: unique symbol = Symbol("sabkit.lock.beginAcquire");
export const END_ACQUIRE: unique symbol = Symbol("sabkit.lock.endAcquire");

/** The deadline of an acquire without options (no timeout, no signal); immutable, so shared. */
const FOREVER = Deadline.after(undefined);

/** A Lock or an RLock, as Condition and Lock.all see it. */
export interface Lockable {
  readonly handle: LockHandle | RLockHandle;
  acquire(options?: WaitOptions): Guard;
  acquireAsync(options?: WaitOptions): Promise<Guard>;
  release(): void;
  /** The global order key (creator's random 63 bits). */
  readonly [ORDER_KEY]: { readonly hi: number; readonly lo: number };
  /** Whether the calling thread holds it. */
  [OWNED](): boolean;
  /** Releases completely (all recursion levels); returns what to restore. */
  [RELEASE_SAVE](): number;
  /** Acquires again (forever) and restores the recursion depth. */
  [ACQUIRE_RESTORE](saved: number): void;
  [ACQUIRE_RESTORE_ASYNC](saved: number): Promise<void>;
  /**
   * The fast path of an acquisition: the guard if the lock was taken at
   * once, else the wait that takes it (drive it, then {@link END_ACQUIRE}).
   *
   * @throws AbortError when the deadline's signal was aborted.
   */
  [BEGIN_ACQUIRE](deadline: Deadline, spinLimit: number): Guard | LockWait;
  /** The guard of a finished wait (`deadOwner` = its result); throws OwnerDiedError after a takeover. */
  [END_ACQUIRE](deadOwner: number): Guard;
}

export function isLockable(value: unknown): value is Lockable {
  return typeof value === "object" && value !== null && ORDER_KEY in value;
}

/** Validates the constructor options; returns the name and the flag. */
export function parseLockOptions(
  options: unknown,
  what: string,
): { name: string | undefined; detectDeadlocks: boolean } {
  if (options === undefined) return { name: undefined, detectDeadlocks: false };
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${what}: options must be an object like { name?: string, detectDeadlocks?: boolean } or undefined, got ${options === null ? "null" : typeof options}`,
    );
  }
  const { name, detectDeadlocks } = options as LockOptions;
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${what}: options.name must be a string or undefined, got ${typeof name}`);
  }
  if (detectDeadlocks !== undefined && typeof detectDeadlocks !== "boolean") {
    throw new TypeError(
      `${what}: options.detectDeadlocks must be true, false or undefined, got ${typeof detectDeadlocks}`,
    );
  }
  return { name, detectDeadlocks: detectDeadlocks === true };
}

/**
 * The handle of a new Lock or RLock of `kind`: its words initialized in
 * fresh memory or at the caller's placement (core's placeRegion), before the
 * handle exists.
 */
export function createMutex<H extends LockHandle | RLockHandle>(
  kind: HandleKind<H>,
  options: (LockOptions & Placement) | undefined,
  what: string,
): H {
  const { name, detectDeadlocks } = parseLockOptions(options, what);
  const region = placeRegion(MUTEX_LAYOUT, options, what);
  kind.writeTag(region.i32);
  initMutex(region.i32, detectDeadlocks);
  return kind.makeHandle(region, (name === undefined ? undefined : { name }) as never);
}

/**
 * The shared implementation of Lock (recursive = false) and RLock (true).
 * Not exported from the package entry: use Lock or RLock.
 */
export abstract class MutexBase implements Lockable {
  abstract readonly handle: LockHandle | RLockHandle;
  readonly #i32: Int32Array;
  readonly #info: LockInfo;
  readonly #recursive: boolean;
  readonly #name: string | undefined;
  readonly [ORDER_KEY]: { readonly hi: number; readonly lo: number };

  protected constructor(
    handle: LockHandle | RLockHandle,
    recursive: boolean,
    kind: HandleKind<LockHandle | RLockHandle>,
    className: string,
  ) {
    const i32 = kind.attachHandle(handle, `${className}.from(handle)`);
    if (handle.name !== undefined && typeof handle.name !== "string") {
      throw new InvalidHandleError(
        `${className}.from(handle): handle.name must be a string or undefined, got ${typeof handle.name}`,
      );
    }
    this.#i32 = i32;
    this.#recursive = recursive;
    this.#name = handle.name;
    this[ORDER_KEY] = readKey(i32, `${className}.from(handle)`);
    const label = lockLabel(this[ORDER_KEY].lo, handle.name);
    rememberLock(this[ORDER_KEY].lo, label);
    this.#info = { i32, what: `${className}.acquire`, label };
  }

  /** The name given at creation, if any. */
  get name(): string | undefined {
    return this.#name;
  }

  /** `true` while some thread holds it (a snapshot: it may change at once). */
  get locked(): boolean {
    // Pairs with the acquire CAS and the release store.
    return Atomics.load(this.#i32, STATE) !== FREE;
  }

  /**
   * Acquires, waiting as long as `options.timeout` allows (forever by
   * default), and returns a guard that releases it (`using held = lock.acquire()`).
   *
   * @throws TimeoutError when the timeout runs out; AbortError when `signal`
   * aborts (checked between sleeps); DeadlockError for a cycle of waits (with
   * `detectDeadlocks`) or a Lock acquired again by its owner; OwnerDiedError
   * (you hold the lock: `err.guard`) when its owner died holding it;
   * RangeError / TypeError for bad options.
   */
  acquire(options?: WaitOptions): Guard {
    const begun = this[BEGIN_ACQUIRE](this.#deadline(options, "acquire"), SPIN_LIMIT);
    return begun instanceof LockWait ? this[END_ACQUIRE](driveSync(begun)) : begun;
  }

  /**
   * Acquires without blocking the thread (sleeps with `Atomics.waitAsync`),
   * resolving with a guard (`await using held = await lock.acquireAsync()`).
   * Aborting `signal` rejects with AbortError at once. Same errors as
   * {@link MutexBase.acquire}, as rejections.
   */
  async acquireAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = this.#deadline(options, "acquireAsync");
    const begun = this[BEGIN_ACQUIRE](deadline, ASYNC_SPIN_LIMIT);
    if (!(begun instanceof LockWait)) return begun;
    return this[END_ACQUIRE](await driveAsync(begun, deadline.signal));
  }

  [BEGIN_ACQUIRE](deadline: Deadline, spinLimit: number): Guard | LockWait {
    deadline.throwIfAborted();
    const me = threadIdentity();
    if (this.#reenter(me)) return this.#guard();
    if (tryLock(this.#i32, me)) return this.#first();
    return new LockWait(this.#info, me, deadline, spinLimit);
  }

  [END_ACQUIRE](deadOwner: number): Guard {
    if (this.#recursive) this.#i32[DEPTH] = 1; // the slow path counted SEQ
    if (deadOwner !== 0) throw this.#ownerDied(deadOwner);
    return this.#guard();
  }

  #deadline(options: WaitOptions | undefined, method: string): Deadline {
    if (options === undefined) return FOREVER;
    const parsed = parseWaitOptions(options, `${this.#what(method)} options`);
    return Deadline.after(parsed.timeoutMs, parsed.signal);
  }

  /**
   * Acquires if that needs no waiting; `false` otherwise. Release with
   * {@link MutexBase.release}.
   *
   * @throws OwnerDiedError (you hold the lock) when its owner died holding it.
   */
  tryAcquire(): boolean {
    const me = threadIdentity();
    if (this.#reenter(me)) return true;
    if (tryLock(this.#i32, me)) {
      this.#first();
      return true;
    }
    // Pairs with the acquire CASes; one load of the liveness table below.
    const owner = Atomics.load(this.#i32, STATE);
    if (owner !== FREE && owner !== me && isDead(owner)) {
      // Takes over the dead owner's lock (one acquirer's CAS wins).
      if (Atomics.compareExchange(this.#i32, STATE, owner, me) === owner) {
        acquired(this.#i32);
        throw this.#ownerDied(owner);
      }
    }
    return false;
  }

  /**
   * Releases one acquisition (for an RLock, one level). Guards call it for
   * you; call it yourself after a manual `acquire()` / `tryAcquire()`.
   *
   * @throws NotOwnerError when the calling thread does not hold it.
   */
  release(): void {
    const me = threadIdentity();
    // Pairs with the acquire CAS of this thread (or the hand-off store).
    const owner = Atomics.load(this.#i32, STATE);
    if (owner !== me) throw this.#notOwner(owner);
    if (this.#recursive) {
      const depth = this.#i32[DEPTH] as number; // owner-only word
      if (depth > 1) {
        this.#i32[DEPTH] = depth - 1;
        return;
      }
      this.#i32[DEPTH] = 0;
    }
    unlock(this.#i32);
  }

  [OWNED](): boolean {
    return Atomics.load(this.#i32, STATE) === threadIdentity();
  }

  [RELEASE_SAVE](): number {
    const depth = this.#recursive ? Math.max(1, this.#i32[DEPTH] as number) : 1;
    if (this.#recursive) this.#i32[DEPTH] = 0;
    unlock(this.#i32);
    return depth;
  }

  [ACQUIRE_RESTORE](saved: number): void {
    const wait = this.#beginRestore(saved, SPIN_LIMIT);
    if (wait !== undefined) this.#endRestore(saved, driveSync(wait));
  }

  async [ACQUIRE_RESTORE_ASYNC](saved: number): Promise<void> {
    const wait = this.#beginRestore(saved, ASYNC_SPIN_LIMIT);
    if (wait !== undefined) this.#endRestore(saved, await driveAsync(wait));
  }

  /** Takes the lock back at once (and restores `saved`), or returns the wait that takes it (forever). */
  #beginRestore(saved: number, spinLimit: number): LockWait | undefined {
    const me = threadIdentity();
    if (!tryLock(this.#i32, me)) return new LockWait(this.#info, me, FOREVER, spinLimit);
    acquired(this.#i32);
    this.#restore(saved);
    return undefined;
  }

  #endRestore(saved: number, deadOwner: number): void {
    this.#restore(saved);
    if (deadOwner !== 0) throw this.#ownerDied(deadOwner);
  }

  #restore(saved: number): void {
    if (this.#recursive) this.#i32[DEPTH] = saved; // owner-only word
  }

  /** RLock re-entry: one more level when this thread holds it already. */
  #reenter(me: number): boolean {
    if (!this.#recursive) return false;
    // Our own identity can only have been stored by this thread.
    if (Atomics.load(this.#i32, STATE) !== me) return false;
    this.#i32[DEPTH] = ((this.#i32[DEPTH] as number) + 1) | 0; // owner-only word
    return true;
  }

  /** After the fast-path CAS: count the acquisition, start the recursion. */
  #first(): Guard {
    acquired(this.#i32);
    if (this.#recursive) this.#i32[DEPTH] = 1; // owner-only word
    return this.#guard();
  }

  #guard(): Guard {
    return new Guard(() => this.release());
  }

  #ownerDied(owner: number): OwnerDiedError<Guard> {
    if (this.#recursive) this.#i32[DEPTH] = 1;
    const error = new OwnerDiedError<Guard>(
      `${threadLabel(owner)} died while holding ${this.#info.label}; the calling thread holds it now: ` +
        "repair the state it protects, then release it (error.guard)",
      { ownerIdentity: owner },
    );
    error.guard = new Guard(() => this.release());
    return error;
  }

  #notOwner(owner: number): NotOwnerError {
    const holder = owner === FREE ? "nobody holds it" : `${threadLabel(owner)} holds it`;
    return new NotOwnerError(
      `${this.#info.label}.release(): the calling thread (${threadLabel(threadIdentity())}) does not hold it (${holder}); ` +
        "release only what this thread acquired, once per acquisition",
    );
  }

  #what(method: string): string {
    return `${this.#recursive ? "RLock" : "Lock"}.${method}`;
  }
}

function isDead(owner: number): boolean {
  return isThreadAlive(owner) === false;
}
