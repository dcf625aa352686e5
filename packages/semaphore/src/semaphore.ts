/**
 * Semaphore: a counter of permits in shared memory, as Python's
 * `threading.Semaphore`, usable from every worker.
 *
 * ## Shared layout (Int32Array words from the region start)
 *
 * | index | field        | legal values                                   | written by                                   |
 * |-------|--------------|------------------------------------------------|----------------------------------------------|
 * | 0     | TAG          | the kind's type tag                            | the creator, once                            |
 * | 1     | PERMITS      | 0 .. BOUND: permits available now              | acquirers (CAS -1), releasers (CAS +n)       |
 * | 2     | WAITERS      | 0 .. number of threads: acquirers asleep       | sleeping acquirers (add / sub)               |
 * | 3     | BOUND        | 1 .. 2^31-1: most permits PERMITS may hold      | the creator, once (initial value if bounded) |
 * | 4     | HOLDER_SLOTS | 0 (not owned) .. 4096                          | the creator, once                            |
 * | 5     | RECLAIMED    | 0 .. 2^31-1: permits given back from dead holders | reclaimers (add)                          |
 * | 6 ..  | holder table | see holders.ts (owned semaphores only)         | holders, reclaimers                          |
 *
 * ## Transitions
 *
 * - acquire: PERMITS p -> p - 1 by one CAS when p > 0. Otherwise spin briefly,
 *   then WAITERS + 1, sleep on PERMITS while it is 0, WAITERS - 1 on the way out.
 * - release(n): PERMITS p -> p + n by CAS (refused above BOUND), then, only if
 *   WAITERS > 0, notify n sleepers of PERMITS.
 *
 * ## Invariants
 *
 * - 0 <= PERMITS <= BOUND at every instant; a value outside is corruption and
 *   a typed error, never a wait on garbage.
 * - No lost wake-up: a sleeper increments WAITERS before it looks at PERMITS,
 *   and a releaser changes PERMITS before it looks at WAITERS (all sequentially
 *   consistent), so either the releaser sees the sleeper and notifies, or the
 *   sleeper sees the new PERMITS (its `waitSync(PERMITS, 0)` returns at once).
 * - A woken sleeper tries to take a permit before it checks its deadline, so a
 *   wake-up is never swallowed by a waiter that then times out.
 *
 * ## Fairness
 *
 * Not FIFO: a running thread may take a released permit before a woken
 * sleeper does (barging, as Go's semaphore and most futex-based ones do).
 * Sleepers are woken in FIFO order by `Atomics.notify`. There is no
 * starvation bound under sustained contention; use a timeout where that
 * matters.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  Guard,
  type Handle,
  InvalidHandleError,
  NotOwnerError,
  type Placement,
  SabkitError,
  type Shareable,
  threadIdentity,
  type WaitOptions,
} from "@sabkit/core";
import {
  attachedHandle,
  attachOptions,
  Deadline,
  deathEpoch,
  defineKind,
  defineLayout,
  driveAsync,
  driveSync,
  type HandleKind,
  LIVENESS_POLL_MS,
  MAX_COUNT,
  placeRegion,
  registerKind,
  validateCount,
  type WaitLoop,
} from "@sabkit/core/internal";
import { claimSlot, findSlot, MAX_HOLDER_SLOTS, reclaimDead, SLOT_WORDS } from "./holders.js";

/** The fixed header of every semaphore; an owned one adds its holder table after it. */
export const SEMAPHORE_LAYOUT = defineLayout({
  tag: "int32",
  permits: "int32",
  waiters: "int32",
  bound: "int32",
  holderSlots: "int32",
  reclaimed: "int32",
});
export const TAG = SEMAPHORE_LAYOUT.fields.tag.index;
export const PERMITS = SEMAPHORE_LAYOUT.fields.permits.index;
export const WAITERS = SEMAPHORE_LAYOUT.fields.waiters.index;
export const BOUND = SEMAPHORE_LAYOUT.fields.bound.index;
export const HOLDER_SLOTS = SEMAPHORE_LAYOUT.fields.holderSlots.index;
export const RECLAIMED = SEMAPHORE_LAYOUT.fields.reclaimed.index;
/** First word of the holder table. */
export const TABLE = SEMAPHORE_LAYOUT.byteLength / 4;
/** Bytes of a semaphore with `holderSlots` holder slots. */
export function semaphoreByteLength(holderSlots: number): number {
  return SEMAPHORE_LAYOUT.byteLength + holderSlots * SLOT_WORDS * 4;
}

/** Spin steps (bounded backoff) before an acquirer sleeps. */
export const SPIN_LIMIT = 40;
/** CAS retries before a changing word is treated as corrupted. */
const CAS_RETRY_LIMIT = 1 << 20;

/** Handle of a {@link Semaphore}. */
export interface SemaphoreHandle<K extends string = "semaphore"> extends Handle<K> {
  /** Holder slots of an owned semaphore (0 = not owned). */
  readonly holderSlots: number;
}

/** Options of `new Semaphore(value, options)`. */
export interface SemaphoreOptions {
  /**
   * Record which thread holds how many permits, so that permits held by a
   * worker that dies are given back (see the README). Default `false`.
   */
  owned?: boolean;
  /**
   * With `owned`: how many live threads may use it (each keeps a holder slot
   * while it lives; default 64, at most 4096).
   */
  maxHolders?: number;
}

export const SEMAPHORE_KIND: HandleKind<SemaphoreHandle> = defineKind<SemaphoreHandle>({
  kind: "semaphore",
  version: 1,
  package: "@sabkit/semaphore",
  layout: SEMAPHORE_LAYOUT,
});

// ---------------------------------------------------------------- raw layer

/** One attempt to take a permit: the whole fast path. */
export function tryTake(i32: Int32Array): boolean {
  // Pairs with the CAS of release (which published the permit).
  const permits = Atomics.load(i32, PERMITS);
  if (permits <= 0) {
    if (permits < 0) throw corrupted(permits);
    return false;
  }
  // Takes one permit; pairs with the loads of other acquirers and releasers.
  return (
    Atomics.compareExchange(i32, PERMITS, permits, permits - 1) === permits || tryTakeSlow(i32)
  );
}

/** CAS lost to another thread: retry while permits remain (lock-free, bounded). */
function tryTakeSlow(i32: Int32Array): boolean {
  for (let attempt = 0; attempt < CAS_RETRY_LIMIT; attempt++) {
    const permits = Atomics.load(i32, PERMITS);
    if (permits <= 0) {
      if (permits < 0) throw corrupted(permits);
      return false;
    }
    // Same hand-off as in tryTake.
    if (Atomics.compareExchange(i32, PERMITS, permits, permits - 1) === permits) return true;
  }
  return false;
}

/**
 * Adds `n` permits unless that would pass `bound`; wakes up to `n` sleepers
 * only if someone sleeps. Returns `false` (nothing changed) when it would.
 */
export function give(i32: Int32Array, n: number, bound: number): boolean {
  for (let attempt = 0; attempt < CAS_RETRY_LIMIT; attempt++) {
    const permits = Atomics.load(i32, PERMITS);
    if (permits < 0 || permits > bound) throw corrupted(permits);
    if (permits > bound - n) return false;
    // Publishes the permits (and everything the releaser wrote before); pairs
    // with the load + CAS in tryTake and the value check of waitSync(PERMITS, 0).
    if (Atomics.compareExchange(i32, PERMITS, permits, permits + n) === permits) {
      // Read after the CAS: a sleeper that registered before it is notified;
      // one that registers later sees the new PERMITS (see the invariants).
      if (Atomics.load(i32, WAITERS) > 0) notify(i32, PERMITS, n);
      return true;
    }
  }
  throw new SabkitError(
    "Semaphore.release: the permit word kept changing for 2^20 attempts; is the shared memory being overwritten?",
  );
}

function corrupted(permits: number): InvalidHandleError {
  return new InvalidHandleError(
    `Semaphore: the permit word holds ${permits}, outside 0..bound: the shared memory is corrupted ` +
      "(was this region overwritten?)",
  );
}

// ------------------------------------------------------------- public class

/** The deadline of an acquire without options (no timeout, no signal); immutable, so shared. */
const FOREVER = Deadline.after(undefined);

/** Key of the method that starts an acquisition (symbol-keyed: not public API). */
export const BEGIN_ACQUIRE: unique symbol = Symbol("sabkit.semaphore.beginAcquire");

/**
 * A counting semaphore in shared memory, as Python's `threading.Semaphore`:
 * `value` permits; `acquire` takes one (waiting while there are none),
 * `release(n)` gives back `n`. Share it with workers through `handle` /
 * `Semaphore.from(handle)` (or in Process/Pool args).
 *
 * @example
 * ```ts
 * const slots = new Semaphore(2);             // at most 2 at once
 * {
 *   using permit = slots.acquire({ timeout: 1000 }); // TimeoutError after 1 s
 *   await download();
 * }                                           // released here
 * if (slots.tryAcquire()) { try { work(); } finally { slots.release(); } }
 * ```
 */
export class Semaphore implements Shareable<SemaphoreHandle<string>> {
  static {
    registerKind(SEMAPHORE_KIND.kind, { from: (handle) => Semaphore.from(handle) });
  }

  /**
   * Bytes a semaphore takes in a caller's buffer (`new Semaphore(value, {
   * buffer, byteOffset })`); an owned one takes 8 more per holder slot
   * (`maxHolders`).
   */
  static readonly byteLength = SEMAPHORE_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed semaphore needs. */
  static readonly alignment = SEMAPHORE_LAYOUT.alignment;

  readonly handle: SemaphoreHandle<string>;
  readonly #i32: Int32Array;
  readonly #bound: number;
  readonly #slots: number;
  readonly #name: string;
  /** Death epoch at the last scan of the holder table; undefined = never scanned (scan on first need). */
  #seenDeaths: number | undefined = undefined;
  /** This thread's holder slot (owned semaphores), -1 until claimed. */
  #mySlot = -1;

  /**
   * A semaphore with `value` permits (default 1): in its own shared memory,
   * or at `byteOffset` of the caller's `buffer` (`Semaphore.byteLength`
   * bytes, plus 8 per holder slot when owned; zeroed first).
   *
   * @throws RangeError when `value` is not an integer in 0 .. 2^31-1, or
   * `maxHolders` not in 1 .. 4096; TypeError for a bad options bag;
   * InvalidHandleError for a placement that is not a SharedArrayBuffer
   * region of that many bytes aligned to `Semaphore.alignment`.
   */
  constructor(value = 1, options?: SemaphoreOptions & Placement) {
    const handle = attachedHandle<SemaphoreHandle<string>>(options);
    const kind = this.kind();
    this.#name = kind === SEMAPHORE_KIND ? "Semaphore" : "BoundedSemaphore";
    if (handle === undefined) {
      // A bounded semaphore's initial value is its bound: 0 would admit nobody, ever.
      validateCount(value, `new ${this.#name}(value)`, { min: this.bounded() ? 1 : 0 });
      const slots = parseOptions(options, this.#name);
      const bound = this.bounded() ? value : MAX_COUNT;
      const layout = { ...SEMAPHORE_LAYOUT, byteLength: semaphoreByteLength(slots) };
      const region = placeRegion(layout, options, `new ${this.#name}(value, options)`);
      // Not shared yet: the message that carries the handle publishes these.
      Atomics.store(region.i32, PERMITS, value);
      Atomics.store(region.i32, BOUND, bound);
      Atomics.store(region.i32, HOLDER_SLOTS, slots);
      kind.writeTag(region.i32);
      this.handle = kind.makeHandle(region, { holderSlots: slots });
      this.#i32 = region.i32;
      this.#bound = bound;
      this.#slots = slots;
    } else {
      const what = `${this.#name}.from(handle)`;
      const slots = handle.holderSlots;
      if (!Number.isInteger(slots) || slots < 0 || slots > MAX_HOLDER_SLOTS) {
        throw new InvalidHandleError(
          `${what}: handle.holderSlots must be an integer from 0 to ${MAX_HOLDER_SLOTS}, got ${String(slots)}`,
        );
      }
      const byteLength = semaphoreByteLength(slots);
      if (handle.byteLength !== byteLength) {
        throw new InvalidHandleError(
          `${what}: handle.byteLength is ${handle.byteLength} but a semaphore with ${slots} holder slots takes ${byteLength} bytes; ` +
            "send the handle unchanged",
        );
      }
      const i32 = kind.attachHandle(handle, what);
      // Header words written once by the creator: read once, checked here.
      const bound = Atomics.load(i32, BOUND);
      const storedSlots = Atomics.load(i32, HOLDER_SLOTS);
      if (bound < 1 || storedSlots !== slots) {
        throw new InvalidHandleError(
          `${what}: the header is corrupted (bound ${bound}, holder slots ${storedSlots} vs handle ${slots})`,
        );
      }
      this.handle = handle;
      this.#i32 = i32;
      this.#bound = bound;
      this.#slots = slots;
    }
  }

  /** @internal The kind of this class (BoundedSemaphore overrides it). */
  protected kind(): HandleKind<SemaphoreHandle<string>> {
    return SEMAPHORE_KIND as HandleKind<SemaphoreHandle<string>>;
  }

  /** @internal The most permits PERMITS may hold. */
  protected get initialValue(): number {
    return this.#bound;
  }

  /** @internal Whether release refuses to pass the initial value. */
  protected bounded(): boolean {
    return false;
  }

  /**
   * Revives a semaphore from its handle (in a worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): Semaphore {
    const attach = attachOptions(SEMAPHORE_KIND.validate(handle, "Semaphore.from(handle)"));
    return new Semaphore(undefined, attach as Placement); // the one option a user cannot spell
  }

  /** Permits available right now (a snapshot). */
  get value(): number {
    // Pairs with the CASes of acquire and release.
    return Atomics.load(this.#i32, PERMITS);
  }

  /** Whether permits are recorded per holder (`{ owned: true }`). */
  get owned(): boolean {
    return this.#slots > 0;
  }

  /** Permits given back to the pool because their holder died (owned semaphores). */
  get reclaimedPermits(): number {
    // Pairs with the add in #reclaim.
    return Atomics.load(this.#i32, RECLAIMED);
  }

  /**
   * Takes one permit without waiting: `true` if it did (call `release()`
   * later), `false` if none was available.
   */
  tryAcquire(): boolean {
    if (this.#slots === 0) return tryTake(this.#i32);
    return this.#tryTakeOwned();
  }

  /**
   * Takes one permit, waiting while there is none. Returns a guard that
   * releases it exactly once (`using permit = sem.acquire()`).
   *
   * @throws TimeoutError after `timeout` ms; RangeError / TypeError for bad options.
   */
  acquire(options?: WaitOptions): Guard {
    const deadline =
      options === undefined ? FOREVER : Deadline.from(options, `${this.#name}.acquire options`);
    // Spins before sleeping unless the caller asked not to wait at all.
    const spinLimit = deadline.timeoutMs !== 0 ? SPIN_LIMIT : 0;
    const wait = this[BEGIN_ACQUIRE](deadline, "acquire", spinLimit);
    if (wait !== true) driveSync(wait);
    return new Guard(() => this.release());
  }

  /**
   * Takes one permit without blocking the thread (works on a browser main
   * thread). Resolves with a guard (`await using permit = await sem.acquireAsync()`).
   *
   * @throws TimeoutError after `timeout` ms; AbortError when `signal` aborts.
   */
  async acquireAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = Deadline.from(options, `${this.#name}.acquireAsync options`);
    deadline.throwIfAborted();
    // No spinning: an async wait must not hold up the event loop.
    const wait = this[BEGIN_ACQUIRE](deadline, "acquireAsync", 0);
    if (wait !== true) await driveAsync(wait, deadline.signal);
    return new Guard(() => this.release());
  }

  /**
   * @internal `true` when a permit was taken at once (the fast path), else
   * the wait that takes one (acquire, acquireAsync and the model tests drive it).
   */
  [BEGIN_ACQUIRE](deadline: Deadline, method: string, spinLimit: number): true | SemaphoreWait {
    if (this.tryAcquire()) return true;
    // An owned semaphore's sleeper also looks for dead holders now and then.
    const slice = this.#slots > 0 ? LIVENESS_POLL_MS : Number.POSITIVE_INFINITY;
    return new SemaphoreWait(
      this,
      this.#i32,
      deadline,
      `${this.#name}.${method}`,
      spinLimit,
      slice,
    );
  }

  /**
   * Gives back `n` permits (default 1) and wakes up to `n` waiters.
   *
   * @throws RangeError when `n` is not an integer in 1 .. 2^31-1, or when the
   * permits would pass the bound (the initial value of a BoundedSemaphore,
   * 2^31-1 otherwise) — nothing changes then; NotOwnerError on an owned
   * semaphore when this thread holds fewer than `n` permits.
   */
  release(n = 1): void {
    validateCount(n, `${this.#name}.release(n)`, { min: 1 });
    if (this.#slots > 0) this.#dropOwned(n);
    if (!give(this.#i32, n, this.#bound)) {
      throw new RangeError(
        this.bounded()
          ? `BoundedSemaphore.release(${n}): would raise the permits above the initial value ${this.#bound} ` +
              "(released more often than acquired); the count is unchanged"
          : `Semaphore.release(${n}): would raise the permits above 2^31-1; the count is unchanged`,
      );
    }
  }

  // ------------------------------------------------------------ slow paths

  // ----------------------------------------------------------- owned mode

  #tryTakeOwned(): boolean {
    const i32 = this.#i32;
    const slot = this.#slot();
    if (tryTake(i32) || (this.#reclaimIfSomeoneDied() > 0 && tryTake(i32))) {
      // Counted after the permit was taken (see holders.ts: never over-admit).
      Atomics.add(i32, TABLE + SLOT_WORDS * slot + 1, 1);
      return true;
    }
    return false;
  }

  /**
   * This thread's holder slot: the cached one (one load to confirm), else
   * found or claimed. A thread keeps its slot while it lives; slots of dead
   * threads are freed by reclaimers.
   */
  #slot(): number {
    const me = threadIdentity();
    const cached = this.#mySlot;
    // Pairs with the claim CAS (this thread) and a reclaimer's store of 0.
    if (cached >= 0 && Atomics.load(this.#i32, TABLE + SLOT_WORDS * cached) === me) return cached;
    let slot = claimSlot(this.#i32, TABLE, this.#slots, me);
    if (slot < 0 && this.#reclaim() >= 0) slot = claimSlot(this.#i32, TABLE, this.#slots, me);
    if (slot < 0) {
      throw new SabkitError(
        `${this.#name}: all ${this.#slots} holder slots are taken by other live threads; ` +
          "create the semaphore with a larger { maxHolders }",
      );
    }
    this.#mySlot = slot;
    return slot;
  }

  #dropOwned(n: number): void {
    const i32 = this.#i32;
    const me = threadIdentity();
    const cached = this.#mySlot;
    const slot =
      cached >= 0 && Atomics.load(i32, TABLE + SLOT_WORDS * cached) === me
        ? cached
        : findSlot(i32, TABLE, this.#slots, me);
    const at = TABLE + SLOT_WORDS * slot;
    const held = slot < 0 ? 0 : Atomics.load(i32, at + 1);
    if (held < n) {
      throw new NotOwnerError(
        `${this.#name}.release(${n}): this thread holds ${held} permit(s) of this owned semaphore; ` +
          "release only permits this thread acquired (or create it without { owned: true })",
      );
    }
    // Leaves the tally before going back to PERMITS (see holders.ts). Only
    // this thread writes its HELD word while it lives.
    Atomics.store(i32, at + 1, held - n);
  }

  /** Reclaims dead holders' permits if a thread died since the last look. */
  #reclaimIfSomeoneDied(): number {
    const epoch = deathEpoch();
    if (epoch === this.#seenDeaths) return 0;
    this.#seenDeaths = epoch;
    return this.#reclaim();
  }

  #reclaim(): number {
    const i32 = this.#i32;
    const total = reclaimDead(i32, TABLE, this.#slots, this.#bound, (held) => {
      if (!give(i32, held, this.#bound)) {
        throw new InvalidHandleError(
          `${this.#name}: reclaiming ${held} permit(s) of a dead holder would pass the bound ${this.#bound}: the shared memory is corrupted`,
        );
      }
    });
    // Publishes the count for reclaimedPermits readers.
    if (total > 0) Atomics.add(i32, RECLAIMED, total);
    return total;
  }
}

/**
 * The slow path of acquire and acquireAsync, written once and driven by
 * core's driveSync or driveAsync (and the model tests): spin up to
 * `spinLimit` times, then register in WAITERS and sleep on PERMITS while it
 * is 0, trying for a permit (`tryAcquire`, owned mode included) before each
 * look at the deadline, so a wake-up is never swallowed by a waiter that
 * then times out (see the invariants).
 */
export class SemaphoreWait implements WaitLoop<true> {
  readonly i32: Int32Array;
  readonly index = PERMITS;
  /** Sleep only while no permit is left. */
  readonly expected = 0;
  sleepMs = 0;
  readonly result = true;
  readonly #semaphore: Semaphore;
  readonly #deadline: Deadline;
  readonly #what: string;
  readonly #spinLimit: number;
  readonly #slice: number;
  #spins = 0;
  #registered = false;

  constructor(
    semaphore: Semaphore,
    i32: Int32Array,
    deadline: Deadline,
    what: string,
    spinLimit: number,
    slice: number,
  ) {
    this.i32 = i32;
    this.#semaphore = semaphore;
    this.#deadline = deadline;
    this.#what = what;
    this.#spinLimit = spinLimit;
    this.#slice = slice;
  }

  step(): boolean {
    const i32 = this.i32;
    while (this.#spins < this.#spinLimit) {
      spinWait(this.#spins++);
      // Pairs with release's CAS; cheap load before a CAS.
      if (Atomics.load(i32, PERMITS) > 0 && this.#semaphore.tryAcquire()) return true;
    }
    if (!this.#registered) {
      this.#registered = true;
      // Registers as a sleeper before looking at PERMITS again (see invariants).
      Atomics.add(i32, WAITERS, 1);
    }
    if (this.#semaphore.tryAcquire()) return true;
    this.#deadline.throwIfAborted();
    if (this.#deadline.expired) throw this.#deadline.timeoutError(this.#what);
    // The driver sleeps only while PERMITS is still 0; pairs with give's CAS + notify.
    this.sleepMs = this.#deadline.remainingMs(this.#slice);
    return false;
  }

  finish(): void {
    // Unregisters; releasers that load WAITERS later skip the notify.
    if (this.#registered) Atomics.sub(this.i32, WAITERS, 1);
  }
}

function parseOptions(options: SemaphoreOptions | undefined, name: string): number {
  if (options === undefined) return 0;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `new ${name}(value, options): options must be an object like { owned?: boolean, maxHolders?: number } or undefined`,
    );
  }
  const owned = options.owned;
  if (owned !== undefined && typeof owned !== "boolean") {
    throw new TypeError(`new ${name}(value, options): options.owned must be a boolean`);
  }
  const maxHolders = options.maxHolders;
  if (!owned) {
    if (maxHolders !== undefined) {
      throw new TypeError(
        `new ${name}(value, options): options.maxHolders needs { owned: true } (only owned semaphores record holders)`,
      );
    }
    return 0;
  }
  return maxHolders === undefined
    ? 64
    : validateCount(maxHolders, `new ${name}(value, options).maxHolders`, {
        min: 1,
        max: MAX_HOLDER_SLOTS,
      });
}
