/**
 * Event: a flag in shared memory that threads wait for, as Python's
 * `threading.Event`.
 *
 * ## Shared layout (Int32Array words from the region start)
 *
 * | index | field   | legal values                                           | written by                    |
 * |-------|---------|--------------------------------------------------------|-------------------------------|
 * | 0     | TAG     | the kind's type tag                                    | the creator, once             |
 * | 1     | STATE   | any int32: bit 0 = the flag, the rest counts changes   | set / clear (one CAS each)    |
 * | 2     | WAITERS | 0 .. number of threads: waiters asleep                 | waiters (add / sub)           |
 *
 * ## Transitions
 *
 * STATE only ever grows by one (wrapping at 2^32, which keeps its parity):
 * even (clear) -> odd (set) by `set()`, odd -> even by `clear()`. So a waiter
 * that saw an even STATE `s` knows that *any* later value means "set since":
 * it returns `true` even if the flag was cleared again before it woke, as
 * Python's `Event.wait` does.
 *
 * - set(): one CAS s -> s + 1 when s is even; notify all sleepers only if
 *   WAITERS > 0. A failed CAS means another thread set it concurrently: this
 *   set is linearized at that moment and does nothing more.
 * - clear(): one CAS s -> s + 1 when s is odd (same argument).
 * - wait(): returns at once if s is odd (no write at all); otherwise WAITERS
 *   + 1, sleep on STATE while it still holds s, WAITERS - 1.
 *
 * ## Invariants
 *
 * - `isSet()` is one load: wait-free.
 * - No lost wake-up: a waiter adds itself to WAITERS before it reads STATE;
 *   `set` changes STATE before it reads WAITERS (all sequentially consistent),
 *   so either set notifies, or the waiter's `waitSync(STATE, s)` sees a
 *   changed word and returns at once.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import type { Handle, Placement, Shareable, WaitOptions } from "@sabkit/core";
import {
  attachedHandle,
  attachOptions,
  Deadline,
  defineKind,
  defineLayout,
  driveAsync,
  driveSync,
  type HandleKind,
  placeRegion,
  registerKind,
  type WaitLoop,
} from "@sabkit/core/internal";

export const EVENT_LAYOUT = defineLayout({ tag: "int32", state: "int32", waiters: "int32" });
export const TAG = EVENT_LAYOUT.fields.tag.index;
export const STATE = EVENT_LAYOUT.fields.state.index;
export const WAITERS = EVENT_LAYOUT.fields.waiters.index;
/** Bit 0 of STATE: the flag. */
export const SET_BIT = 1;

/** Handle of an {@link Event}. */
export type EventHandle = Handle<"event">;

export const EVENT_KIND: HandleKind<EventHandle> = defineKind<EventHandle>({
  kind: "event",
  version: 1,
  package: "@sabkit/event",
  layout: EVENT_LAYOUT,
});

// ---------------------------------------------------------------- raw layer

/** Sets the flag; wakes every waiter if someone waits. */
export function setFlag(i32: Int32Array): void {
  // Pairs with the CAS of set/clear in other threads.
  const state = Atomics.load(i32, STATE);
  if ((state & SET_BIT) !== 0) return;
  // Publishes "set" (and what the setter wrote before) to waiters' loads of
  // STATE and to the value check of their waitSync(STATE, state).
  if (Atomics.compareExchange(i32, STATE, state, (state + 1) | 0) !== state) return;
  // Read after the CAS (see the invariants): nobody registered -> no notify.
  if (Atomics.load(i32, WAITERS) > 0) notify(i32, STATE);
}

/** Clears the flag. */
export function clearFlag(i32: Int32Array): void {
  const state = Atomics.load(i32, STATE);
  if ((state & SET_BIT) === 0) return;
  // Publishes "clear"; waiters that saw the odd value already returned true.
  Atomics.compareExchange(i32, STATE, state, (state + 1) | 0);
}

/** The deadline of a `wait()` without options (no timeout, no signal); immutable, so shared. */
const FOREVER = Deadline.after(undefined);

// ------------------------------------------------------------- public class

/**
 * A flag in shared memory, as Python's `threading.Event`: `set()` wakes
 * every waiter, `clear()` resets it, `wait()` blocks until it is set.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * worker.postMessage(share({ ready }));   // the worker calls ready.set()
 * if (!ready.wait({ timeout: 1000 })) console.log("not ready after 1 s");
 * await ready.waitAsync();                // on a browser main thread too
 * ```
 */
export class Event implements Shareable<EventHandle> {
  static {
    registerKind(EVENT_KIND.kind, { from: (handle) => Event.from(handle) });
  }

  /** Bytes an Event takes in a caller's buffer (`new Event({ buffer, byteOffset })`). */
  static readonly byteLength = EVENT_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed Event needs. */
  static readonly alignment = EVENT_LAYOUT.alignment;

  readonly handle: EventHandle;
  readonly #i32: Int32Array;

  /**
   * A new, clear event: in its own shared memory, or at `byteOffset` of the
   * caller's `buffer` (`Event.byteLength` bytes, zeroed first).
   *
   * @throws InvalidHandleError for a placement that is not a SharedArrayBuffer
   * region of `Event.byteLength` bytes aligned to `Event.alignment`.
   */
  constructor(options?: Placement) {
    let handle = attachedHandle<EventHandle>(options);
    if (handle === undefined) {
      const region = placeRegion(EVENT_LAYOUT, options, "new Event(options)");
      EVENT_KIND.writeTag(region.i32); // before the handle exists, so before anyone sees it
      handle = EVENT_KIND.makeHandle(region);
    }
    this.handle = handle;
    this.#i32 = EVENT_KIND.attachHandle(handle, "Event.from(handle)");
  }

  /**
   * Revives an event from its handle (in a worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): Event {
    const attach = attachOptions(EVENT_KIND.validate(handle, "Event.from(handle)"));
    return new Event(attach as Placement); // the one option a user cannot spell
  }

  /** Whether the flag is set: one load, never waits. */
  isSet(): boolean {
    // Pairs with the CASes of set and clear.
    return (Atomics.load(this.#i32, STATE) & SET_BIT) !== 0;
  }

  /** Sets the flag and wakes every waiter (notifies only if someone waits). */
  set(): void {
    setFlag(this.#i32);
  }

  /** Clears the flag; later `wait` calls block until the next `set()`. */
  clear(): void {
    clearFlag(this.#i32);
  }

  /**
   * Blocks until the flag is set: `true` when it was set (also if it was
   * cleared again before this thread woke), `false` on timeout, as Python.
   * On a browser main thread it spins instead of blocking: prefer `waitAsync` there.
   *
   * @throws RangeError / TypeError for bad options; AbortError if `signal` was aborted.
   */
  wait(options?: WaitOptions): boolean {
    const deadline =
      options === undefined ? undefined : Deadline.from(options, "Event.wait options");
    const wait = EventWait.begin(this.#i32, deadline ?? FOREVER);
    return wait === true || driveSync(wait);
  }

  /**
   * Waits without blocking the thread; resolves `true` when set, `false` on timeout.
   *
   * @throws AbortError when `signal` aborts; RangeError / TypeError for bad options.
   */
  async waitAsync(options?: WaitOptions): Promise<boolean> {
    const deadline = Deadline.from(options, "Event.waitAsync options");
    deadline.throwIfAborted();
    const wait = EventWait.begin(this.#i32, deadline);
    return wait === true || driveAsync(wait, deadline.signal);
  }
}

/**
 * The slow path of `wait` and `waitAsync`: one loop, driven blocking or
 * async (core's driveSync / driveAsync), and by the model tests.
 *
 * It registers in WAITERS before its first look at STATE (see the
 * invariants), returns `true` once STATE differs from the even `seen` (any
 * change is a set since), `false` once the deadline passes, and otherwise
 * sleeps on STATE while it still holds `seen`.
 */
export class EventWait implements WaitLoop<boolean> {
  readonly i32: Int32Array;
  readonly index = STATE;
  readonly expected: number;
  sleepMs = 0;
  result = false;
  readonly #deadline: Deadline;
  #registered = false;

  /**
   * `true` when the flag is set (the fast path: one load, no write),
   * otherwise the loop that waits for it.
   */
  static begin(i32: Int32Array, deadline: Deadline): true | EventWait {
    // Pairs with the CAS of set.
    const seen = Atomics.load(i32, STATE);
    return (seen & SET_BIT) !== 0 ? true : new EventWait(i32, seen, deadline);
  }

  private constructor(i32: Int32Array, seen: number, deadline: Deadline) {
    this.i32 = i32;
    this.expected = seen;
    this.#deadline = deadline;
  }

  step(): boolean {
    const i32 = this.i32;
    if (!this.#registered) {
      this.#deadline.throwIfAborted();
      this.#registered = true;
      // Registers before the next look at STATE; pairs with set's load of WAITERS.
      Atomics.add(i32, WAITERS, 1);
    }
    // Pairs with set's CAS (and its notify, which ends the sleep below).
    if (Atomics.load(i32, STATE) !== this.expected) {
      this.result = true;
      return true;
    }
    if (this.#deadline.expired) {
      this.result = false;
      return true;
    }
    this.sleepMs = this.#deadline.remainingMs();
    return false;
  }

  finish(): void {
    // Unregisters; a set that loads WAITERS later skips the notify.
    if (this.#registered) Atomics.sub(this.i32, WAITERS, 1);
  }
}
