/**
 * Barrier: `parties` threads wait until all of them have arrived, as Python's
 * `threading.Barrier`; reusable for any number of generations.
 *
 * ## Shared layout (Int32Array words from the region start)
 *
 * | index   | field      | legal values                                                | written by                                   |
 * |---------|------------|-------------------------------------------------------------|----------------------------------------------|
 * | 0       | TAG        | the kind's type tag                                         | the creator, once                            |
 * | 1       | STATE      | bits 0-19 ARRIVED (0..parties), bits 20-29 GENERATION (mod 1024), bit 30 BROKEN; never negative | arrivers (CAS +1), breakers (CAS set BROKEN), the TRANSITION holder (CAS to the next generation) |
 * | 2       | SEQ        | any (wraps): +1 per release, break or reset                  | whoever changed STATE that way (add), then notify |
 * | 3       | WAITERS    | 0 .. threads: sleepers on SEQ                                | sleepers (add / sub)                         |
 * | 4       | PARTIES    | 1 .. 2^20-1                                                  | the creator, once                            |
 * | 5       | TRANSITION | 0 free, or the identity of the thread moving STATE to the next generation | CAS 0 -> id, store 0 (a dead holder's is taken over) |
 * | 6 .. 37 | OUTCOME    | 1024 bits: bit g = 1 if generation g ended by reset, 0 if released | the TRANSITION holder, before its CAS     |
 *
 * ## Transitions of STATE (g = generation, a = arrived)
 *
 * - arrive: (g, a) -> (g, a + 1) by CAS, a < parties. The arriver's index is a.
 * - the last arriver (a + 1 = parties) holds a *full* state (g, parties) while
 *   it runs its action, then under TRANSITION writes OUTCOME[g] = 0 and moves
 *   (g, parties) -> (g + 1, 0): the generation is released.
 * - break (a timeout, an abort(), a throwing action, an aborted signal):
 *   (g, a) -> (g, a, BROKEN). Every waiter of g and every later arriver gets
 *   BrokenBarrierError until reset().
 * - reset(): under TRANSITION writes OUTCOME[g] = 1 and moves (g, a[, BROKEN])
 *   -> (g + 1, 0); a no-op on an idle (g, 0) barrier.
 * - Every release, break and reset then adds 1 to SEQ and, only if WAITERS > 0,
 *   notifies every sleeper of SEQ.
 *
 * ## Invariants
 *
 * - Only the TRANSITION holder changes the generation, so OUTCOME[g] is
 *   written once per end of g, before STATE leaves g. A waiter of g that sees
 *   another generation reads OUTCOME[g] for how g ended. (That bit is reused
 *   1024 generations later: a waiter that sleeps through 1024 generations of
 *   *other* threads — only possible with more threads than parties — could
 *   misread it.)
 * - No lost wake-up: a sleeper adds itself to WAITERS, then loads SEQ, then
 *   STATE, then sleeps on SEQ; whoever changes STATE changes it before adding
 *   to SEQ and loads WAITERS after, so the sleeper either sees the new STATE
 *   or its `waitSync(SEQ, seq)` sees a new SEQ (or is notified).
 * - Arrivals never sleep on STATE, so an arrival wakes nobody: only the end
 *   of a generation (one notify per generation, when anyone sleeps) does.
 */
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  AbortError,
  BrokenBarrierError,
  type Handle,
  InvalidHandleError,
  isThreadAlive,
  type Placement,
  type Shareable,
  threadIdentity,
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
  placeRegion,
  registerKind,
  validateCount,
  validateTimeout,
  type WaitLoop,
} from "@sabkit/core/internal";

export const BARRIER_LAYOUT = defineLayout({
  tag: "int32",
  state: "int32",
  seq: "int32",
  waiters: "int32",
  parties: "int32",
  transition: "int32",
  outcome: { type: "int32", length: 32 },
});
export const TAG = BARRIER_LAYOUT.fields.tag.index;
export const STATE = BARRIER_LAYOUT.fields.state.index;
export const SEQ = BARRIER_LAYOUT.fields.seq.index;
export const WAITERS = BARRIER_LAYOUT.fields.waiters.index;
export const PARTIES = BARRIER_LAYOUT.fields.parties.index;
export const TRANSITION = BARRIER_LAYOUT.fields.transition.index;
export const OUTCOME = BARRIER_LAYOUT.fields.outcome.index;

export const ARRIVED_MASK = 0xfffff;
export const GENERATION_SHIFT = 20;
export const GENERATION_MASK = 0x3ff;
export const BROKEN = 1 << 30;
/** Most parties a barrier may have (ARRIVED has 20 bits). */
export const MAX_PARTIES = ARRIVED_MASK;
/** Spin steps before a waiter sleeps. */
export const SPIN_LIMIT = 40;
const RETRY_LIMIT = 1 << 20;

export const arrivedOf = (state: number): number => state & ARRIVED_MASK;
export const generationOf = (state: number): number =>
  (state >>> GENERATION_SHIFT) & GENERATION_MASK;
export const isBroken = (state: number): boolean => (state & BROKEN) !== 0;
const nextGeneration = (state: number): number =>
  ((generationOf(state) + 1) & GENERATION_MASK) << GENERATION_SHIFT;

/** Handle of a {@link Barrier}. */
export type BarrierHandle = Handle<"barrier">;

export const BARRIER_KIND: HandleKind<BarrierHandle> = defineKind<BarrierHandle>({
  kind: "barrier",
  version: 1,
  package: "@sabkit/barrier",
  layout: BARRIER_LAYOUT,
});

/** Per-thread options of a Barrier (functions cannot cross workers). */
export interface BarrierOptions {
  /**
   * Runs once per generation, in the last thread to arrive, before anyone is
   * released — *this thread's* action, when this thread is the last. Give every
   * thread the same action (or use the index `wait` returns). If it throws, the
   * barrier breaks and that thread's `wait` rethrows the error.
   */
  action?: () => void;
  /** Default timeout in ms of `wait` / `waitAsync` calls that pass none. */
  timeout?: number;
}

// ---------------------------------------------------------------- raw layer

function corrupted(what: string): InvalidHandleError {
  return new InvalidHandleError(
    `Barrier: ${what}: the shared memory is corrupted (was this region overwritten?)`,
  );
}

/** Marks generation `generation` broken (if it still runs) and wakes everyone. */
export function breakGeneration(i32: Int32Array, generation: number): boolean {
  for (let attempt = 0; attempt < RETRY_LIMIT; attempt++) {
    const state = Atomics.load(i32, STATE);
    if (generationOf(state) !== generation || isBroken(state)) return false;
    // Publishes BROKEN to waiters' and arrivers' loads of STATE.
    if (Atomics.compareExchange(i32, STATE, state, state | BROKEN) === state) {
      wakeAll(i32);
      return true;
    }
  }
  throw corrupted("STATE kept changing");
}

/** After a change of STATE that ends a wait: bump SEQ, notify if anyone sleeps. */
function wakeAll(i32: Int32Array): void {
  // Publishes "STATE changed" to sleepers' waitSync(SEQ, seq) value checks.
  Atomics.add(i32, SEQ, 1);
  // Loaded after the add (see the invariants): nobody asleep -> no notify.
  if (Atomics.load(i32, WAITERS) > 0) notify(i32, SEQ);
}

/** Takes the TRANSITION word (held for a few instructions; a dead holder's is taken over). */
function lockTransition(i32: Int32Array): void {
  const me = threadIdentity();
  for (let i = 0; ; i++) {
    // Pairs with the store of 0 in unlockTransition.
    const holder = Atomics.compareExchange(i32, TRANSITION, 0, me);
    if (holder === 0) return;
    // A holder that died mid-transition left STATE consistent (its CAS either
    // happened or not); taking over and redoing our own change is safe.
    if (isThreadAlive(holder) === false) {
      if (Atomics.compareExchange(i32, TRANSITION, holder, me) === holder) return;
      continue;
    }
    if (i < SPIN_LIMIT) spinWait(i);
    else waitSync(i32, TRANSITION, holder, 1);
    if (i > RETRY_LIMIT) throw corrupted(`TRANSITION held by ${holder} for too long`);
  }
}

function unlockTransition(i32: Int32Array): void {
  // Publishes OUTCOME and STATE written under the lock to the next holder.
  Atomics.store(i32, TRANSITION, 0);
}

function writeOutcome(i32: Int32Array, generation: number, reset: boolean): void {
  const word = OUTCOME + (generation >>> 5);
  const bit = 1 << (generation & 31);
  // Written before STATE leaves `generation`; read by its waiters after they
  // see another generation (their load of STATE orders this before).
  if (reset) Atomics.or(i32, word, bit);
  else Atomics.and(i32, word, ~bit);
}

function endedByReset(i32: Int32Array, generation: number): boolean {
  return (Atomics.load(i32, OUTCOME + (generation >>> 5)) & (1 << (generation & 31))) !== 0;
}

/** Moves STATE from full generation `generation` to the next; false if it broke or was reset. */
export function releaseGeneration(i32: Int32Array, generation: number, parties: number): boolean {
  lockTransition(i32);
  try {
    const state = Atomics.load(i32, STATE);
    if (state !== ((generation << GENERATION_SHIFT) | parties)) return false;
    writeOutcome(i32, generation, false);
    // Releases generation `generation`; pairs with the waiters' loads of STATE.
    if (Atomics.compareExchange(i32, STATE, state, nextGeneration(state)) !== state) return false;
  } finally {
    unlockTransition(i32);
  }
  wakeAll(i32);
  return true;
}

/** reset(): ends the current generation as broken (if anyone waits or it is broken). */
export function resetBarrier(i32: Int32Array): void {
  lockTransition(i32);
  let changed = false;
  try {
    for (let attempt = 0; attempt < RETRY_LIMIT && !changed; attempt++) {
      const state = Atomics.load(i32, STATE);
      if (state === (state & (GENERATION_MASK << GENERATION_SHIFT))) return; // idle: nothing to reset
      writeOutcome(i32, generationOf(state), true);
      // Ends the generation; pairs with the waiters' loads of STATE.
      changed = Atomics.compareExchange(i32, STATE, state, nextGeneration(state)) === state;
    }
    if (!changed) throw corrupted("STATE kept changing");
  } finally {
    unlockTransition(i32);
  }
  wakeAll(i32);
}

// ------------------------------------------------------------- public class

/** Key of the method that makes a wait's loop (symbol-keyed: not public API). */
export const WAIT_LOOP: unique symbol = Symbol("sabkit.barrier.waitLoop");

/**
 * A reusable barrier for `parties` threads, as Python's `threading.Barrier`.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(4, { action: () => console.log("all 4 arrived"), timeout: 5000 });
 * // in each of 4 workers (Barrier.from(handle, { action }) there):
 * const index = barrier.wait();   // 0..3 in arrival order; throws BrokenBarrierError if broken
 * ```
 */
export class Barrier implements Shareable<BarrierHandle> {
  static {
    registerKind(BARRIER_KIND.kind, { from: (handle) => Barrier.from(handle) });
  }

  /** Bytes a Barrier takes in a caller's buffer (`new Barrier(parties, { buffer, byteOffset })`). */
  static readonly byteLength = BARRIER_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed Barrier needs. */
  static readonly alignment = BARRIER_LAYOUT.alignment;

  readonly handle: BarrierHandle;
  /** Threads that must arrive to release a generation. */
  readonly parties: number;
  readonly #i32: Int32Array;
  readonly #action: (() => void) | undefined;
  readonly #timeout: number | undefined;

  /**
   * A barrier for `parties` threads: in its own shared memory, or at
   * `byteOffset` of the caller's `buffer` (`Barrier.byteLength` bytes, zeroed first).
   *
   * @throws RangeError when `parties` is not an integer in 1 .. 2^20-1 or the
   * timeout is bad; TypeError when `action` is not a function;
   * InvalidHandleError for a placement that is not a SharedArrayBuffer region
   * of `Barrier.byteLength` bytes aligned to `Barrier.alignment`.
   */
  constructor(parties: number, options?: BarrierOptions & Placement) {
    let handle = attachedHandle<BarrierHandle>(options);
    const what = handle === undefined ? "new Barrier" : "Barrier.from";
    const parsed = parseOptions(options, what);
    this.#action = parsed.action;
    this.#timeout = parsed.timeout;
    if (handle === undefined) {
      validateCount(parties, "new Barrier(parties)", { min: 1, max: MAX_PARTIES });
      const region = placeRegion(BARRIER_LAYOUT, options, "new Barrier(parties, options)");
      // Not shared yet: the message that carries the handle publishes these.
      Atomics.store(region.i32, PARTIES, parties);
      BARRIER_KIND.writeTag(region.i32);
      handle = BARRIER_KIND.makeHandle(region);
    }
    this.handle = handle;
    this.#i32 = BARRIER_KIND.attachHandle(handle, "Barrier.from(handle)");
    // Written once by the creator: read once and checked.
    const stored = Atomics.load(this.#i32, PARTIES);
    if (stored < 1 || stored > MAX_PARTIES) throw corrupted(`PARTIES holds ${stored}`);
    this.parties = stored;
  }

  /**
   * Revives a barrier from its handle, with this thread's own `action` and
   * default `timeout` (functions cannot be sent to workers).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown, options?: BarrierOptions): Barrier {
    const checked = BARRIER_KIND.validate(handle, "Barrier.from(handle)");
    const { action, timeout } = parseOptions(options, "Barrier.from");
    // The attach option is the one option a user cannot spell.
    return new Barrier(0, { action, timeout, ...(attachOptions(checked) as Placement) });
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return isBroken(Atomics.load(this.#i32, STATE));
  }

  /** Threads waiting at the barrier right now (a snapshot). */
  get nWaiting(): number {
    const arrived = arrivedOf(Atomics.load(this.#i32, STATE));
    // The last arriver running its action is not waiting.
    return arrived >= this.parties ? this.parties - 1 : arrived;
  }

  /** Breaks the barrier: every waiter, now and later, gets BrokenBarrierError until `reset()`. */
  abort(): void {
    for (let attempt = 0; attempt < RETRY_LIMIT; attempt++) {
      const state = Atomics.load(this.#i32, STATE);
      if (isBroken(state) || breakGeneration(this.#i32, generationOf(state))) return;
    }
    throw corrupted("STATE kept changing");
  }

  /**
   * Returns the barrier to its initial state. Threads waiting now get
   * BrokenBarrierError; later arrivals form a new generation.
   */
  reset(): void {
    resetBarrier(this.#i32);
  }

  /**
   * Arrives and blocks until all `parties` have arrived; returns this thread's
   * arrival index (0 .. parties-1; the last arriver, which ran the action, gets
   * parties-1). A timeout breaks the barrier for everyone, as Python.
   *
   * @throws BrokenBarrierError when the barrier is or becomes broken, is reset,
   * or this wait timed out; the action's error in the thread whose action threw.
   */
  wait(options?: WaitOptions): number {
    const deadline = this.#deadline(options, "Barrier.wait options");
    // Spins before each sleep unless the caller asked not to wait at all.
    return driveSync(this[WAIT_LOOP](deadline, deadline.timeoutMs !== 0 ? SPIN_LIMIT : 0));
  }

  /**
   * As {@link Barrier.wait}, without blocking the thread. An aborted `signal`
   * breaks the barrier (the arrival cannot be taken back) and rejects with AbortError.
   */
  async waitAsync(options?: WaitOptions): Promise<number> {
    const deadline = this.#deadline(options, "Barrier.waitAsync options");
    deadline.throwIfAborted();
    // No spinning: an async wait must not hold up the event loop.
    return driveAsync(this[WAIT_LOOP](deadline, 0), deadline.signal);
  }

  #deadline(options: WaitOptions | undefined, what: string): Deadline {
    const deadline = Deadline.from(options, what);
    if (this.#timeout === undefined || options?.timeout !== undefined) return deadline;
    return Deadline.after(this.#timeout, deadline.signal);
  }

  /** @internal The whole wait as a loop (wait, waitAsync and the model tests drive it). */
  [WAIT_LOOP](deadline: Deadline, spinLimit: number): BarrierWait {
    return new BarrierWait(this.#i32, this.parties, this.#action, deadline, spinLimit);
  }
}

/** BarrierWait phases. */
const ARRIVING = 0;
/** Arrived; waiting for the generation to be released. */
const RELEASING = 1;
/** Could not arrive (a full generation runs its action): waiting for it to end. */
const FULL = 2;

/**
 * One `wait` / `waitAsync` at the barrier, written once and driven by core's
 * driveSync or driveAsync: arrive (one CAS; if the generation is full, sleep
 * until it ends and arrive again), then either run the action and release
 * the generation (the last arriver), or sleep until it is released. Each
 * sleep spins `spinLimit` times, then registers in WAITERS and sleeps on SEQ
 * (see the invariants). `result` is the arrival index.
 */
export class BarrierWait implements WaitLoop<number> {
  readonly i32: Int32Array;
  readonly index = SEQ;
  expected = 0;
  sleepMs = 0;
  result = 0;
  readonly #parties: number;
  readonly #action: (() => void) | undefined;
  readonly #deadline: Deadline;
  readonly #spinLimit: number;
  #phase = ARRIVING;
  /** The generation we arrived in (RELEASING), or the full one we wait out (FULL). */
  #generation = 0;
  /** FULL: the STATE seen when the generation was full. */
  #full = 0;
  #spins = 0;
  #registered = false;
  /** Set once step() returned true: the wait succeeded. */
  #over = false;

  constructor(
    i32: Int32Array,
    parties: number,
    action: (() => void) | undefined,
    deadline: Deadline,
    spinLimit: number,
  ) {
    this.i32 = i32;
    this.#parties = parties;
    this.#action = action;
    this.#deadline = deadline;
    this.#spinLimit = spinLimit;
  }

  step(): boolean {
    for (;;) {
      if (this.#phase === ARRIVING && this.#arrive()) return (this.#over = true);
      // Registered: SEQ is loaded before STATE (the no-lost-wake-up argument).
      const seq = this.#registered ? Atomics.load(this.i32, SEQ) : 0;
      if (this.#done() || (this.#registered && this.#timedOut() && this.#giveUp())) {
        this.#unregister();
        this.#spins = 0;
        if (this.#phase === RELEASING) return (this.#over = true);
        this.#phase = ARRIVING; // the full generation ended: arrive in the next one
        continue;
      }
      if (this.#spins < this.#spinLimit) {
        spinWait(this.#spins++);
        continue;
      }
      if (!this.#registered) {
        this.#registered = true;
        // Registers before loading SEQ and STATE (see the invariants).
        Atomics.add(this.i32, WAITERS, 1);
        continue;
      }
      // The driver sleeps while SEQ is unchanged; pairs with wakeAll's add + notify.
      this.expected = seq;
      this.sleepMs = this.#deadline.remainingMs();
      return false;
    }
  }

  finish(): void {
    this.#unregister();
    // An async wait aborted in its sleep breaks the generation it waited in,
    // as one that sees the abort between sleeps does (#giveUp).
    if (!this.#over && this.#phase !== ARRIVING && this.#deadline.signal?.aborted) {
      breakGeneration(this.i32, this.#generation);
    }
  }

  /** One try to arrive; `true` when this was the last arrival (action run, generation released). */
  #arrive(): boolean {
    const arrival = this.#tryArrive();
    if (arrival === "full") {
      // More threads than parties: wait for the running action's generation to end.
      this.#full = Atomics.load(this.i32, STATE);
      this.#generation = generationOf(this.#full);
      this.#phase = FULL;
      return false;
    }
    this.result = arrival.index;
    this.#generation = arrival.generation;
    this.#phase = RELEASING;
    if (!arrival.last) return false;
    this.#runActionAndRelease();
    return true;
  }

  /** Whether the phase's wait is over: the full generation ended, or ours was released. */
  #done(): boolean {
    if (this.#phase === FULL) return Atomics.load(this.i32, STATE) !== this.#full;
    return this.#outcome() === true;
  }

  #timedOut(): boolean {
    return this.#deadline.expired || this.#deadline.signal?.aborted === true;
  }

  #unregister(): void {
    if (!this.#registered) return;
    this.#registered = false;
    // Unregisters; a wakeAll that loads WAITERS later skips the notify.
    Atomics.sub(this.i32, WAITERS, 1);
  }

  /** One CAS to arrive, or the reason it cannot yet (full: an action runs). */
  #tryArrive(): { generation: number; index: number; last: boolean } | "full" {
    const i32 = this.i32;
    for (let attempt = 0; attempt < RETRY_LIMIT; attempt++) {
      const state = Atomics.load(i32, STATE);
      if (isBroken(state)) throw new BrokenBarrierError();
      const arrived = arrivedOf(state);
      if (arrived >= this.#parties) {
        if (arrived > this.#parties) throw corrupted(`ARRIVED holds ${arrived}`);
        return "full";
      }
      // Counts this arrival; pairs with other arrivers' CAS and the last
      // arriver's release (which starts from the full state).
      if (Atomics.compareExchange(i32, STATE, state, state + 1) === state) {
        return {
          generation: generationOf(state),
          index: arrived,
          last: arrived + 1 === this.#parties,
        };
      }
    }
    throw corrupted("STATE kept changing");
  }

  #runActionAndRelease(): void {
    if (this.#action !== undefined) {
      try {
        this.#action();
      } catch (error) {
        breakGeneration(this.i32, this.#generation);
        throw error;
      }
    }
    if (!releaseGeneration(this.i32, this.#generation, this.#parties)) {
      throw new BrokenBarrierError(
        "the barrier was aborted or reset while the last thread ran its action: every waiter of this generation got BrokenBarrierError; call reset() to use it again",
      );
    }
  }

  /** The outcome of our generation once STATE has left it, or undefined while it runs. */
  #outcome(): boolean | undefined {
    const state = Atomics.load(this.i32, STATE);
    if (generationOf(state) !== this.#generation) {
      if (endedByReset(this.i32, this.#generation)) throw new BrokenBarrierError();
      return true;
    }
    if (isBroken(state)) throw new BrokenBarrierError();
    return undefined;
  }

  /**
   * A timed-out or aborted waiter breaks the barrier for everyone (as Python),
   * then throws. Returns `true` instead when the generation ended first
   * (released: the wait succeeded after all).
   */
  #giveUp(): true {
    if (!breakGeneration(this.i32, this.#generation) && this.#done()) return true;
    const signal = this.#deadline.signal;
    if (signal?.aborted) throw new AbortError(signal.reason);
    throw new BrokenBarrierError(
      `Barrier.wait timed out after ${this.#deadline.timeoutMs} ms with ${this.#waiting()} of ${this.#parties} parties waiting: ` +
        "the barrier is now broken for every waiter; call reset() to use it again",
    );
  }

  /** Barrier.nWaiting, for the timeout message. */
  #waiting(): number {
    const arrived = arrivedOf(Atomics.load(this.i32, STATE));
    return arrived >= this.#parties ? this.#parties - 1 : arrived;
  }
}

function parseOptions(
  options: BarrierOptions | undefined,
  what: string,
): { action: (() => void) | undefined; timeout: number | undefined } {
  if (options === undefined) return { action: undefined, timeout: undefined };
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${what}: options must be an object like { action?: () => void, timeout?: number } or undefined`,
    );
  }
  const { action, timeout } = options;
  if (action !== undefined && typeof action !== "function") {
    throw new TypeError(`${what}: options.action must be a function (it runs in this thread)`);
  }
  return {
    action,
    timeout:
      timeout === undefined ? undefined : validateTimeout(timeout, `${what} options.timeout`),
  };
}
