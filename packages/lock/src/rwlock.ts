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
import { notify, waitAsync, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import {
  AbortError,
  Guard,
  type Handle,
  type Shareable,
  threadIdentity,
  type WaitOptions,
} from "@sabkit/core";
import {
  allocate,
  attach,
  Deadline,
  defineKind,
  defineLayout,
  parseWaitOptions,
  registerKind,
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

export type RwLockHandle = Handle<"rwlock">;

const KIND = defineKind<RwLockHandle>({
  kind: "rwlock",
  version: 1,
  package: "@sabkit/lock",
  layout: RWLOCK_LAYOUT,
});

let reviving: RwLockHandle | undefined;

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

  readonly handle: RwLockHandle;
  readonly #i32: Int32Array;

  /** A new, free readers–writer lock in its own shared memory. */
  constructor() {
    let handle = reviving;
    reviving = undefined;
    if (handle === undefined) {
      const region = attach(RWLOCK_LAYOUT, allocate(RWLOCK_LAYOUT));
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
    reviving = KIND.validate(handle, "RwLock.from(handle)");
    try {
      return new RwLock();
    } finally {
      reviving = undefined;
    }
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
    let registered = false;
    try {
      for (let spins = 0; ; spins++) {
        if (this.#tryRead()) return this.#readGuard();
        // Pairs with the writers' CAS / store of WRITER.
        const writer = Atomics.load(this.#i32, WRITER);
        if (writer === NO_WRITER) continue;
        this.#checkSelf(writer, "RwLock.read");
        this.#checkDeadline(deadline, "RwLock.read");
        if (spins < SPIN_LIMIT) {
          spinWait(spins);
        } else if (!registered) {
          registered = this.#register();
        } else {
          waitSync(this.#i32, WRITER, writer, deadline.remainingMs());
        }
      }
    } finally {
      if (registered) this.#unregister();
    }
  }

  /** {@link RwLock.read} without blocking the thread. */
  async readAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = this.#deadline(options, "RwLock.readAsync");
    if (this.#tryRead()) return this.#readGuard();
    let registered = false;
    try {
      for (;;) {
        if (this.#tryRead()) return this.#readGuard();
        const writer = Atomics.load(this.#i32, WRITER);
        if (writer === NO_WRITER) continue;
        this.#checkSelf(writer, "RwLock.readAsync");
        this.#checkDeadline(deadline, "RwLock.readAsync");
        if (!registered) {
          registered = this.#register();
          continue;
        }
        await this.#sleepAsync(WRITER, writer, deadline);
      }
    } finally {
      if (registered) this.#unregister();
    }
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
    const me = threadIdentity();
    let registered = false;
    try {
      for (let spins = 0; ; spins++) {
        // Claims the writer word; pairs with the store of NO_WRITER in release.
        const writer = Atomics.compareExchange(this.#i32, WRITER, NO_WRITER, me);
        if (writer === NO_WRITER) break;
        this.#checkSelf(writer, "RwLock.write");
        this.#checkDeadline(deadline, "RwLock.write");
        if (spins < SPIN_LIMIT) spinWait(spins);
        else if (!registered) registered = this.#register();
        else waitSync(this.#i32, WRITER, writer, deadline.remainingMs());
      }
    } finally {
      if (registered) this.#unregister();
    }
    // Drain: we hold WRITER, new readers back off; wait for those inside.
    try {
      for (;;) {
        // After our CAS (Dekker pair); pairs with the readers' Atomics.sub.
        const readers = Atomics.load(this.#i32, READERS);
        if (readers === 0) return this.#writeGuard();
        this.#checkDeadline(deadline, "RwLock.write");
        waitSync(this.#i32, READERS, readers, deadline.remainingMs());
      }
    } catch (error) {
      this.#releaseWrite();
      throw error;
    }
  }

  /** {@link RwLock.write} without blocking the thread. */
  async writeAsync(options?: WaitOptions): Promise<Guard> {
    const deadline = this.#deadline(options, "RwLock.writeAsync");
    const me = threadIdentity();
    let registered = false;
    try {
      for (;;) {
        const writer = Atomics.compareExchange(this.#i32, WRITER, NO_WRITER, me);
        if (writer === NO_WRITER) break;
        this.#checkSelf(writer, "RwLock.writeAsync");
        this.#checkDeadline(deadline, "RwLock.writeAsync");
        if (!registered) registered = this.#register();
        else await this.#sleepAsync(WRITER, writer, deadline);
      }
    } finally {
      if (registered) this.#unregister();
    }
    try {
      for (;;) {
        const readers = Atomics.load(this.#i32, READERS);
        if (readers === 0) return this.#writeGuard();
        this.#checkDeadline(deadline, "RwLock.writeAsync");
        await this.#sleepAsync(READERS, readers, deadline);
      }
    } catch (error) {
      this.#releaseWrite();
      throw error;
    }
  }

  #deadline(options: WaitOptions | undefined, what: string): Deadline {
    const parsed = parseWaitOptions(options, `${what} options`);
    if (parsed.signal?.aborted) throw new AbortError(parsed.signal.reason);
    return Deadline.after(parsed.timeoutMs, parsed.signal);
  }

  #checkDeadline(deadline: Deadline, what: string): void {
    deadline.throwIfAborted();
    if (deadline.expired) throw deadline.timeoutError(what);
  }

  #checkSelf(writer: number, what: string): void {
    if (writer === threadIdentity()) {
      throw selfDeadlock({ what, label: "the RwLock's write side" }, writer);
    }
  }

  async #sleepAsync(index: number, expected: number, deadline: Deadline): Promise<void> {
    try {
      await waitAsync(this.#i32, index, expected, deadline.remainingMs(), deadline.signal);
    } catch (error) {
      if (!deadline.signal?.aborted) throw error;
      // The caller's next check throws core's AbortError.
    }
  }

  #register(): true {
    // Announces a sleeper before the next load of WRITER; pairs with the
    // load of WAITERS in #releaseWrite.
    Atomics.add(this.#i32, WAITERS, 1);
    return true;
  }

  #unregister(): void {
    Atomics.sub(this.#i32, WAITERS, 1);
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
