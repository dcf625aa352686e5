/**
 * WaitGroup (a countdown latch): wait until a count of outstanding tasks
 * drops to zero, as Go's `sync.WaitGroup` / Java's `CountDownLatch`.
 *
 * ## Shared layout (Int32Array words from the region start)
 *
 * | index | field   | legal values                                       | written by                          |
 * |-------|---------|----------------------------------------------------|-------------------------------------|
 * | 0     | TAG     | the kind's type tag                                | the creator, once                   |
 * | 1     | COUNT   | 0 .. 2^31-1: outstanding tasks                     | add / done (CAS)                    |
 * | 2     | ZEROS   | any (wraps): +1 each time COUNT reaches 0          | the add/done that reached 0 (add)   |
 * | 3     | WAITERS | 0 .. threads: waiters asleep                       | waiters (add / sub)                 |
 *
 * ## Transitions
 *
 * - add(n) / done(): COUNT c -> c + n by CAS (never below 0, never above
 *   2^31-1; a call that would is a RangeError and changes nothing). The call
 *   that brings COUNT to 0 adds 1 to ZEROS, then notifies every sleeper of
 *   ZEROS only if WAITERS > 0.
 * - wait(): returns at once when COUNT is 0; otherwise WAITERS + 1, sleep on
 *   ZEROS until it changes, WAITERS - 1.
 *
 * ## Invariants
 *
 * - A waiter returns once COUNT has been 0 at some instant after it started
 *   waiting, even if `add` raised it again before the waiter woke (ZEROS
 *   records the crossing; sleeping on COUNT could miss it).
 * - No lost wake-up: a waiter registers in WAITERS, loads ZEROS, then COUNT,
 *   then sleeps on ZEROS; the call reaching 0 changes COUNT, then ZEROS, then
 *   loads WAITERS (all sequentially consistent).
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import {
  type Handle,
  InvalidHandleError,
  type Placement,
  type Shareable,
  type WaitOptions,
} from "@sabkit/core";
import {
  attachedHandle,
  attachOptions,
  Deadline,
  defineKind,
  defineLayout,
  driveAsync,
  driveSync,
  type HandleKind,
  MAX_COUNT,
  placeRegion,
  registerKind,
  validateCount,
  type WaitLoop,
} from "@sabkit/core/internal";

export const WAIT_GROUP_LAYOUT = defineLayout({
  tag: "int32",
  count: "int32",
  zeros: "int32",
  waiters: "int32",
});
export const TAG = WAIT_GROUP_LAYOUT.fields.tag.index;
export const COUNT = WAIT_GROUP_LAYOUT.fields.count.index;
export const ZEROS = WAIT_GROUP_LAYOUT.fields.zeros.index;
export const WAITERS = WAIT_GROUP_LAYOUT.fields.waiters.index;
const RETRY_LIMIT = 1 << 20;

/** Handle of a {@link WaitGroup}. */
export type WaitGroupHandle = Handle<"wait-group">;

export const WAIT_GROUP_KIND: HandleKind<WaitGroupHandle> = defineKind<WaitGroupHandle>({
  kind: "wait-group",
  version: 1,
  package: "@sabkit/barrier",
  layout: WAIT_GROUP_LAYOUT,
});

// ---------------------------------------------------------------- raw layer

/** COUNT += delta; returns the new count, or -1 if it would leave 0 .. 2^31-1 (nothing changed). */
export function addCount(i32: Int32Array, delta: number): number {
  for (let attempt = 0; attempt < RETRY_LIMIT; attempt++) {
    const count = Atomics.load(i32, COUNT);
    if (count < 0) throw corrupted(count);
    const next = count + delta;
    if (next < 0 || next > MAX_COUNT) return -1;
    // Publishes the new count (and the finished task's writes) to waiters'
    // loads of COUNT.
    if (Atomics.compareExchange(i32, COUNT, count, next) !== count) continue;
    if (next === 0 && delta !== 0) {
      // Records the crossing to 0 for sleepers' waitSync(ZEROS, seen) ...
      Atomics.add(i32, ZEROS, 1);
      // ... and wakes them, only if anyone sleeps (loaded after the add).
      if (Atomics.load(i32, WAITERS) > 0) notify(i32, ZEROS);
    }
    return next;
  }
  throw new InvalidHandleError(
    "WaitGroup: COUNT kept changing for 2^20 attempts; is the shared memory being overwritten?",
  );
}

function corrupted(count: number): InvalidHandleError {
  return new InvalidHandleError(
    `WaitGroup: COUNT holds ${count}, below 0: the shared memory is corrupted (was this region overwritten?)`,
  );
}

// ------------------------------------------------------------- public class

/**
 * Waits for a set of tasks to finish: `add(n)` before starting n tasks, each
 * calls `done()`, `wait()` returns when the count is back to 0. Also a
 * countdown latch: `new WaitGroup(3)`, three `done()` calls open it.
 *
 * @example
 * ```ts
 * const group = new WaitGroup();
 * group.add(workers.length);
 * for (const w of workers) w.postMessage(share({ group }));  // each worker: group.done()
 * group.wait({ timeout: 10_000 });                              // TimeoutError after 10 s
 * ```
 */
export class WaitGroup implements Shareable<WaitGroupHandle> {
  static {
    registerKind(WAIT_GROUP_KIND.kind, { from: (handle) => WaitGroup.from(handle) });
  }

  /** Bytes a WaitGroup takes in a caller's buffer (`new WaitGroup(count, { buffer, byteOffset })`). */
  static readonly byteLength = WAIT_GROUP_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed WaitGroup needs. */
  static readonly alignment = WAIT_GROUP_LAYOUT.alignment;

  readonly handle: WaitGroupHandle;
  readonly #i32: Int32Array;

  /**
   * A wait group with `count` outstanding tasks (default 0): in its own
   * shared memory, or at `byteOffset` of the caller's `buffer`
   * (`WaitGroup.byteLength` bytes, zeroed first).
   *
   * @throws RangeError when `count` is not an integer in 0 .. 2^31-1;
   * InvalidHandleError for a placement that is not a SharedArrayBuffer region
   * of `WaitGroup.byteLength` bytes aligned to `WaitGroup.alignment`.
   */
  constructor(count = 0, options?: Placement) {
    let handle = attachedHandle<WaitGroupHandle>(options);
    if (handle === undefined) {
      validateCount(count, "new WaitGroup(count)", { min: 0 });
      const region = placeRegion(WAIT_GROUP_LAYOUT, options, "new WaitGroup(count, options)");
      // Not shared yet: the message that carries the handle publishes these.
      Atomics.store(region.i32, COUNT, count);
      WAIT_GROUP_KIND.writeTag(region.i32);
      handle = WAIT_GROUP_KIND.makeHandle(region);
    }
    this.handle = handle;
    this.#i32 = WAIT_GROUP_KIND.attachHandle(handle, "WaitGroup.from(handle)");
  }

  /**
   * Revives a wait group from its handle (in a worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): WaitGroup {
    const attach = attachOptions(WAIT_GROUP_KIND.validate(handle, "WaitGroup.from(handle)"));
    return new WaitGroup(0, attach as Placement); // the one option a user cannot spell
  }

  /** Outstanding tasks right now (a snapshot). */
  get count(): number {
    return Atomics.load(this.#i32, COUNT);
  }

  /**
   * Adds `delta` outstanding tasks (may be negative, as Go's `Add`). Reaching 0
   * releases every waiter.
   *
   * @throws RangeError when `delta` is not an integer, or the count would drop
   * below 0 or pass 2^31-1 (nothing changes then).
   */
  add(delta = 1): void {
    if (typeof delta !== "number" || !Number.isInteger(delta) || Math.abs(delta) > MAX_COUNT) {
      validateCount(delta, "WaitGroup.add(delta)", { min: -MAX_COUNT }); // throws with the message
    }
    if (addCount(this.#i32, delta) < 0) {
      throw new RangeError(
        delta < 0
          ? `WaitGroup.add(${delta}): the count is ${this.count}, it cannot go below 0 ` +
              "(done() called more often than add()); the count is unchanged"
          : `WaitGroup.add(${delta}): the count would pass 2^31-1; the count is unchanged`,
      );
    }
  }

  /**
   * One task finished: the count drops by one.
   *
   * @throws RangeError when the count is already 0 (more `done()` than `add()`).
   */
  done(): void {
    if (addCount(this.#i32, -1) < 0) {
      throw new RangeError(
        "WaitGroup.done(): the count is already 0 (done() called more often than add()); it stays 0",
      );
    }
  }

  /** `true` if the count is 0 now (never waits). */
  tryWait(): boolean {
    return Atomics.load(this.#i32, COUNT) === 0;
  }

  /**
   * Blocks until the count is 0.
   *
   * @throws TimeoutError after `timeout` ms; RangeError / TypeError for bad options.
   */
  wait(options?: WaitOptions): void {
    const deadline =
      options === undefined ? undefined : Deadline.from(options, "WaitGroup.wait options");
    const wait = WaitGroupWait.begin(this.#i32, deadline ?? FOREVER, "WaitGroup.wait");
    if (wait !== true) driveSync(wait);
  }

  /**
   * Waits without blocking the thread until the count is 0.
   *
   * @throws TimeoutError after `timeout` ms; AbortError when `signal` aborts.
   */
  async waitAsync(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "WaitGroup.waitAsync options");
    deadline.throwIfAborted();
    const wait = WaitGroupWait.begin(this.#i32, deadline, "WaitGroup.waitAsync");
    if (wait !== true) await driveAsync(wait, deadline.signal);
  }
}

/** The deadline of a wait without options (no timeout, no signal); immutable, so shared. */
const FOREVER = Deadline.after(undefined);

/**
 * The slow path of wait and waitAsync, written once and driven by core's
 * driveSync or driveAsync: register in WAITERS, then note ZEROS, and return
 * once COUNT is 0 or ZEROS moved (a crossing to 0 since, even if the count
 * rose again); otherwise sleep on ZEROS while it holds the value noted.
 */
export class WaitGroupWait implements WaitLoop<void> {
  readonly i32: Int32Array;
  readonly index = ZEROS;
  expected = 0;
  sleepMs = 0;
  readonly result = undefined;
  readonly #deadline: Deadline;
  readonly #what: string;
  #registered = false;

  /** `true` when the count is 0 (the fast path: one load), otherwise the loop that waits for it. */
  static begin(i32: Int32Array, deadline: Deadline, what: string): true | WaitGroupWait {
    // Pairs with addCount's CAS of COUNT.
    return Atomics.load(i32, COUNT) === 0 ? true : new WaitGroupWait(i32, deadline, what);
  }

  private constructor(i32: Int32Array, deadline: Deadline, what: string) {
    this.i32 = i32;
    this.#deadline = deadline;
    this.#what = what;
  }

  step(): boolean {
    const i32 = this.i32;
    if (!this.#registered) {
      this.#registered = true;
      // Registers before the loads below (see the invariants).
      Atomics.add(i32, WAITERS, 1);
      // Pairs with addCount's add of ZEROS.
      this.expected = Atomics.load(i32, ZEROS);
    }
    // Pairs with addCount's CAS of COUNT and add of ZEROS.
    if (Atomics.load(i32, COUNT) === 0 || Atomics.load(i32, ZEROS) !== this.expected) return true;
    this.#deadline.throwIfAborted();
    if (this.#deadline.expired) throw this.#deadline.timeoutError(this.#what);
    // The driver sleeps while no crossing to 0 happened; pairs with addCount's add + notify.
    this.sleepMs = this.#deadline.remainingMs();
    return false;
  }

  finish(): void {
    // Unregisters; a crossing to 0 that loads WAITERS later skips the notify.
    if (this.#registered) Atomics.sub(this.i32, WAITERS, 1);
  }
}
