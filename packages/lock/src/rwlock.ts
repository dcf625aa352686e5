/**
 * RwLock: many readers or one writer (Rust's `RwLock`, Go's `RWMutex`), in
 * shared memory.
 *
 * ## Shared layout (Int32Array words, `RWLOCK_LAYOUT`)
 *
 * | index | field   | legal values                                          | written by                                   |
 * |-------|---------|-------------------------------------------------------|----------------------------------------------|
 * | 0     | TAG     | the RwLock kind tag                                   | creator, once                                |
 * | 1     | WRITER  | 0 = no writer, else the identity of the writer that   | writers (CAS 0 -> me), the writer (store 0)  |
 * |       |         | holds it or is waiting for readers to drain           |                                              |
 * | 2     | READERS | >= 0: readers inside (or about to back off)           | readers (Atomics.add / Atomics.sub)          |
 * | 3     | WAITERS | >= 0: readers and writers that may sleep on WRITER    | waiters (+1 before sleeping, -1 on leaving)  |
 *
 * ## Transitions
 *
 * - read: if WRITER = 0, READERS += 1, then look at WRITER again; if a
 *   writer came in between, READERS -= 1 (waking the writer if that made it
 *   0) and wait until WRITER = 0.
 * - write: CAS WRITER 0 -> me (new readers now back off), then wait until
 *   READERS = 0 (sleeping on READERS). A timeout while draining stores
 *   WRITER = 0 again and wakes the sleepers on WRITER.
 * - read release: READERS -= 1; if it became 0 and WRITER != 0, wake the
 *   writer (sleeping on READERS).
 * - write release: WRITER = 0; wake everyone sleeping on WRITER if WAITERS > 0.
 *
 * ## Policy: writers are never starved by readers
 *
 * A writer claims WRITER as soon as no other writer holds it, whatever the
 * number of readers; from then on new readers wait, and the writer gets the
 * lock once the readers inside leave. So a steady stream of readers cannot
 * starve a writer (tested). Writers among themselves barge (like Lock), and
 * a continuous stream of writers can delay readers: readers woken by a write
 * release race the next writer's CAS.
 *
 * ## Invariants
 *
 * - Reader/writer exclusion is a Dekker pair of sequentially consistent
 *   operations: a reader adds to READERS then loads WRITER; a writer CASes
 *   WRITER then loads READERS. At least one of them sees the other.
 * - No lost wake-up on READERS: the writer CASes WRITER before it loads
 *   READERS and sleeps with `waitSync(READERS, seen)`; the last reader
 *   subtracts before it loads WRITER and notifies when it is non-zero.
 * - No lost wake-up on WRITER: waiters increment WAITERS before loading
 *   WRITER; the writer stores WRITER = 0 before loading WAITERS.
 * - Owner death is not detected for RwLock (readers are not recorded): a
 *   worker that dies holding it blocks others until their timeouts.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  AbortError,
  Guard,
  type Handle,
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
  parseWaitOptions,
  placeRegion,
  registerKind,
  type WaitLoop,
} from "@sabkit/core/internal";
import { selfDeadlock } from "./deadlock.js";

export const RWLOCK_LAYOUT = defineLayout({
  tag: "int32",
  writer: "int32",
  readers: "int32",
  waiters: "int32",
});
const WRITER = RWLOCK_LAYOUT.fields.writer.index;
const READERS = RWLOCK_LAYOUT.fields.readers.index;
const WAITERS = RWLOCK_LAYOUT.fields.waiters.index;
const NO_WRITER = 0;
const SPIN_LIMIT = 32;
/** What RwLockWait uses of an RwLock (symbol-keyed, so out of the public surface). */
const WORDS: unique symbol = Symbol("sabkit.rwlock.words");
const TRY_READ: unique symbol = Symbol("sabkit.rwlock.tryRead");
const RELEASE_WRITE: unique symbol = Symbol("sabkit.rwlock.releaseWrite");

export type RwLockHandle = Handle<"rwlock">;

const KIND = defineKind<RwLockHandle>({
  kind: "rwlock",
  version: 1,
  package: "@sabkit/lock",
  layout: RWLOCK_LAYOUT,
});

/**
 * A readers–writer lock: `read()` guards may be held by many threads at
 * once, a `write()` guard by one thread with no readers.
 *
 * @example
 * ```ts
 * const rw = new RwLock();
 * { using r = rw.read(); console.log(config[0]); }
 * { using w = rw.write({ timeout: 1000 }); config[0]++; }
 * ```
 */
export class RwLock implements Shareable<RwLockHandle> {
  static {
    registerKind(KIND.kind, { from: (handle) => RwLock.from(handle) });
  }

  /** Bytes an RwLock takes in a caller's buffer (`new RwLock({ buffer, byteOffset })`). */
  static readonly byteLength = RWLOCK_LAYOUT.byteLength;
  /** Alignment the `byteOffset` of a placed RwLock needs. */
  static readonly alignment = RWLOCK_LAYOUT.alignment;

  readonly handle: RwLockHandle;
  readonly #i32: Int32Array;

  /**
   * A new, free readers–writer lock: in its own shared memory, or at
   * `byteOffset` of the caller's `buffer` (`RwLock.byteLength` bytes, zeroed first).
   *
   * @throws InvalidHandleError for a placement that is not a SharedArrayBuffer
   * region of `RwLock.byteLength` bytes aligned to `RwLock.alignment`.
   */
  constructor(options?: Placement) {
    let handle = attachedHandle<RwLockHandle>(options);
    if (handle === undefined) {
      const region = placeRegion(RWLOCK_LAYOUT, options, "new RwLock(options)");
      KIND.writeTag(region.i32);
      handle = KIND.makeHandle(region);
    }
    this.handle = handle;
    this.#i32 = KIND.attachHandle(handle, "RwLock.from(handle)");
  }

  /**
   * Revives a readers–writer lock from its handle.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): RwLock {
    const attach = attachOptions(KIND.validate(handle, "RwLock.from(handle)"));
    return new RwLock(attach as Placement); // the one option a user cannot spell
  }

  /** Readers inside now (a snapshot). */
  get readers(): number {
    return Atomics.load(this.#i32, READERS);
  }

  /** `true` while a writer holds it or waits for readers to leave (a snapshot). */
  get writeLocked(): boolean {
    return Atomics.load(this.#i32, WRITER) !== NO_WRITER;
  }

  /** A shared (read) guard if no writer holds or claims it now; otherwise `undefined`. */
  tryRead(): Guard | undefined {
    return this.#tryRead() ? this.#readGuard() : undefined;
  }

  /** The exclusive (write) guard if nobody holds it now; otherwise `undefined`. */
  tryWrite(): Guard | undefined {
    const i32 = this.#i32;
    // Claims the writer word; pairs with the store of NO_WRITER in release.
    if (Atomics.compareExchange(i32, WRITER, NO_WRITER, threadIdentity()) !== NO_WRITER) {
      return undefined;
    }
    // After the claim (Dekker pair with the readers' add then load).
    if (Atomics.load(i32, READERS) === 0) return this.#writeGuard();
    this.#releaseWrite();
    return undefined;
  }

  /**
   * A shared guard, waiting while a writer holds or claims the lock.
   *
   * @throws TimeoutError, AbortError (between sleeps), RangeError / TypeError for bad options.
   */
  read(options?: WaitOptions): Guard {
    const deadline = this.#deadline(options, "RwLock.read");
    if (this.#tryRead()) return this.#readGuard();
    driveSync(new RwLockWait(this, READ, "RwLock.read", deadline, SPIN_LIMIT));
    return this.#readGuard();
  }

  /** {@link RwLock.read} without blocking the thread. */
  async readAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = this.#deadline(options, "RwLock.readAsync");
    if (this.#tryRead()) return this.#readGuard();
    await driveAsync(new RwLockWait(this, READ, "RwLock.readAsync", deadline, 0), deadline.signal);
    return this.#readGuard();
  }

  /**
   * The exclusive guard, waiting for the writer before it and for the
   * readers inside to leave (new readers wait behind it).
   *
   * @throws TimeoutError, AbortError (between sleeps), DeadlockError when the
   * calling thread already holds the write guard, RangeError / TypeError for bad options.
   */
  write(options?: WaitOptions): Guard {
    const deadline = this.#deadline(options, "RwLock.write");
    driveSync(new RwLockWait(this, WRITE, "RwLock.write", deadline, SPIN_LIMIT));
    return this.#writeGuard();
  }

  /** {@link RwLock.write} without blocking the thread. */
  async writeAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = this.#deadline(options, "RwLock.writeAsync");
    await driveAsync(
      new RwLockWait(this, WRITE, "RwLock.writeAsync", deadline, 0),
      deadline.signal,
    );
    return this.#writeGuard();
  }

  #deadline(options: WaitOptions | undefined, what: string): Deadline {
    const parsed = parseWaitOptions(options, `${what} options`);
    if (parsed.signal?.aborted) throw new AbortError(parsed.signal.reason);
    return Deadline.after(parsed.timeoutMs, parsed.signal);
  }

  /** @internal The words, for RwLockWait. */
  get [WORDS](): Int32Array {
    return this.#i32;
  }

  /** @internal One try to enter as a reader (RwLockWait's step). */
  [TRY_READ](): boolean {
    return this.#tryRead();
  }

  /** @internal Gives up a claimed (not yet drained) write side (RwLockWait's finish). */
  [RELEASE_WRITE](): void {
    this.#releaseWrite();
  }

  #tryRead(): boolean {
    const i32 = this.#i32;
    // Pairs with the writers' CAS and store of WRITER.
    if (Atomics.load(i32, WRITER) !== NO_WRITER) return false;
    // Enters; then looks again (Dekker pair with the writer's CAS then load).
    Atomics.add(i32, READERS, 1);
    if (Atomics.load(i32, WRITER) === NO_WRITER) return true;
    this.#leaveRead();
    return false;
  }

  #leaveRead(): void {
    const i32 = this.#i32;
    // Publishes the reader's exit; pairs with the draining writer's load.
    const before = Atomics.sub(i32, READERS, 1);
    // The last reader out wakes a draining writer (it sleeps on READERS).
    if (before === 1 && Atomics.load(i32, WRITER) !== NO_WRITER) notify(i32, READERS);
  }

  #releaseWrite(): void {
    const i32 = this.#i32;
    // Publishes the critical section and "no writer"; pairs with the CAS and
    // loads of WRITER of readers and writers.
    Atomics.store(i32, WRITER, NO_WRITER);
    // After the store (no lost wake-up); pairs with #register.
    if (Atomics.load(i32, WAITERS) !== 0) notify(i32, WRITER);
  }

  #readGuard(): Guard {
    return new Guard(() => this.#leaveRead());
  }

  #writeGuard(): Guard {
    return new Guard(() => this.#releaseWrite());
  }
}

/** RwLockWait modes: a reader entering, a writer claiming WRITER, a writer draining READERS. */
const READ = 0;
const WRITE = 1;
const DRAIN = 2;

/**
 * The slow path of read / readAsync / write / writeAsync, written once and
 * driven by core's driveSync (with SPIN_LIMIT spins before sleeping) or
 * driveAsync (no spins: it must not hold up the event loop). A reader waits
 * on WRITER until it enters; a writer claims WRITER (sleeping on it while
 * another writer has it), then drains READERS (sleeping on it). A wait on
 * WRITER registers in WAITERS first (see the invariants); a failed drain
 * gives the claimed write side back.
 */
class RwLockWait implements WaitLoop<true> {
  readonly i32: Int32Array;
  index = WRITER;
  expected = 0;
  sleepMs = 0;
  readonly result = true;
  readonly #lock: RwLock;
  #mode: number;
  readonly #what: string;
  readonly #deadline: Deadline;
  readonly #spinLimit: number;
  readonly #me = threadIdentity();
  #spins = 0;
  #registered = false;
  /** Set when a drain ended with no reader inside: the write side is the caller's. */
  #drained = false;

  constructor(lock: RwLock, mode: number, what: string, deadline: Deadline, spinLimit: number) {
    this.i32 = lock[WORDS];
    this.#lock = lock;
    this.#mode = mode;
    this.#what = what;
    this.#deadline = deadline;
    this.#spinLimit = spinLimit;
  }

  step(): boolean {
    for (;;) {
      let seen: number;
      if (this.#mode === DRAIN) {
        // After our CAS (Dekker pair); pairs with the readers' Atomics.sub.
        seen = Atomics.load(this.i32, READERS);
        if (seen === 0) return (this.#drained = true);
        this.#checkDeadline();
        this.index = READERS;
      } else {
        seen = this.#mode === READ ? this.#lookAsReader() : this.#claimAsWriter();
        if (seen === NO_WRITER) {
          if (this.#mode === READ) return true;
          this.#unregister();
          this.#mode = DRAIN; // we hold WRITER, new readers back off; wait for those inside
          continue;
        }
        if (seen === this.#me) {
          throw selfDeadlock({ what: this.#what, label: "the RwLock's write side" }, seen);
        }
        this.#checkDeadline();
        if (this.#spins < this.#spinLimit) {
          spinWait(this.#spins++);
          continue;
        }
        if (!this.#registered) {
          this.#registered = true;
          // Announces a sleeper before the next load of WRITER; pairs with the
          // load of WAITERS in release of the write side.
          Atomics.add(this.i32, WAITERS, 1);
          continue;
        }
      }
      this.expected = seen;
      this.sleepMs = this.#deadline.remainingMs();
      return false;
    }
  }

  finish(): void {
    this.#unregister();
    // A drain that did not end (timeout, abort) gives the claimed write side back.
    if (this.#mode === DRAIN && !this.#drained) this.#lock[RELEASE_WRITE]();
  }

  /** NO_WRITER once entered as a reader, else the writer that keeps us out. */
  #lookAsReader(): number {
    for (;;) {
      if (this.#lock[TRY_READ]()) return NO_WRITER;
      // Pairs with the writers' CAS / store of WRITER; free again: retry.
      const writer = Atomics.load(this.i32, WRITER);
      if (writer !== NO_WRITER) return writer;
    }
  }

  /** NO_WRITER once WRITER is ours, else the writer that holds it. */
  #claimAsWriter(): number {
    // Claims the writer word; pairs with the store of NO_WRITER in release.
    return Atomics.compareExchange(this.i32, WRITER, NO_WRITER, this.#me);
  }

  #checkDeadline(): void {
    this.#deadline.throwIfAborted();
    if (this.#deadline.expired) throw this.#deadline.timeoutError(this.#what);
  }

  #unregister(): void {
    if (!this.#registered) return;
    this.#registered = false;
    // Pairs with the load of WAITERS in the write side's release.
    Atomics.sub(this.i32, WAITERS, 1);
  }
}
