/**
 * The record ring of a Queue: its shared header, the records in its byte
 * ring, and the operations that run under the queue's lock (queue-lock.ts):
 * copying staged records in, copying records out, closing, and checking the
 * whole ring after a thread died holding the lock. Queue (queue.ts) encodes
 * and decodes outside the lock and waits (queue-waits.ts); this file is
 * everything that touches the ring.
 *
 * Shared layout (int32 words; the header is one cache line, data from byte 64):
 *
 * | word | field         | legal values                   | written by                                 |
 * |------|---------------|--------------------------------|--------------------------------------------|
 * | 0    | tag           | the kind's type tag            | creator, once                              |
 * | 1    | lock          | 0 / 1 / 2 (queue-lock.ts)      | any thread (CAS, exchange, sub)            |
 * | 2    | closed        | 0 open, 1 closed               | close(), under the lock                    |
 * | 3    | capacity      | data bytes, multiple of 4      | creator, once                              |
 * | 4    | maxSize       | 0 = unbounded, else max items  | creator, once                              |
 * | 5    | head          | [0, capacity), multiple of 4   | getters, under the lock                    |
 * | 6    | usedBytes     | [0, capacity], multiple of 4   | putters and getters, under the lock        |
 * | 7    | count         | [0, usedBytes / 4]             | putters and getters, under the lock        |
 * | 8    | unfinished    | >= 0: puts minus taskDone()s   | put (add, under the lock), taskDone (CAS)  |
 * | 9    | dataSeq       | any; +1 per put batch, close   | putters, close()                           |
 * | 10   | spaceSeq      | any; +1 per get batch, close   | getters, close()                           |
 * | 11   | dataWaiters   | >= 0: consumers about to sleep | consumers (add/sub)                        |
 * | 12   | spaceWaiters  | >= 0: producers about to sleep | producers (add/sub)                        |
 * | 13   | joinWaiters   | >= 0: join() callers asleep    | join (add/sub)                             |
 * | 14   | lockOwner     | 0, or the lock holder's thread | the lock's holder (queue-lock.ts)          |
 * |      |               | identity (core)                |                                            |
 * | 16.. | data          | the byte ring                  | putters (records), under the lock          |
 *
 * A record is a 4-byte length `n` (int32, at a 4-aligned ring position)
 * followed by `n` payload bytes and padding to a multiple of 4. The tail is
 * `(head + usedBytes) mod capacity`. Records are split across the end of the
 * ring when they reach it (never padded): the length word never splits, since
 * positions and the capacity are multiples of 4.
 *
 * Transitions (all under the lock): put of k records at the tail: usedBytes +=
 * their bytes, count += k, unfinished += k, then (after unlocking) dataSeq += 1.
 * get of k records at the head: head advances, usedBytes -= bytes, count -= k,
 * then spaceSeq += 1. close: closed = 1, then dataSeq += 1 and spaceSeq += 1
 * and every sleeper is woken.
 *
 * Invariants: a record is wholly inside [head, head + usedBytes) or wholly
 * outside it (no torn message: the header moves only after the copy, under the
 * lock); records leave in the order they entered, so one producer's items
 * reach consumers in its order; `closed` never goes back to 0.
 *
 * Owner death: the critical sections write the ring before the header words,
 * so a holder that dies mid-copy leaves its records outside the queue (wholly
 * absent), never torn. The thread that takes the lock over walks every record
 * (the same walk a get uses) before it reports OwnerDiedError.
 *
 * Shared memory is untrusted: the header is read once per lock hold, every
 * field is range-checked before it is used as an index, record lengths are
 * checked against the bytes in use, and every loop is bounded. A violated
 * check is an InvalidHandleError (the queue is unusable), never a hang or an
 * out-of-bounds read.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { ClosedError, InvalidHandleError, OwnerDiedError } from "@sabkit/core";
import { type Deadline, defineLayout, type Layout } from "@sabkit/core/internal";
import { lockQueue, unlockQueue } from "./queue-lock.js";
import type { Scratch, Stage } from "./staging.js";

/** The header words (see the table above). */
export const QUEUE_HEADER = defineLayout({
  tag: "int32",
  lock: "int32",
  closed: "int32",
  capacity: "int32",
  maxSize: "int32",
  head: "int32",
  usedBytes: "int32",
  count: "int32",
  unfinished: "int32",
  dataSeq: "int32",
  spaceSeq: "int32",
  dataWaiters: "int32",
  spaceWaiters: "int32",
  joinWaiters: "int32",
  lockOwner: "int32",
});
const F = QUEUE_HEADER.fields;
export const LOCK = F.lock.index;
export const CLOSED = F.closed.index;
export const CAPACITY = F.capacity.index;
export const MAX_SIZE = F.maxSize.index;
export const HEAD = F.head.index;
export const USED_BYTES = F.usedBytes.index;
export const COUNT = F.count.index;
export const UNFINISHED = F.unfinished.index;
export const DATA_SEQ = F.dataSeq.index;
export const SPACE_SEQ = F.spaceSeq.index;
export const DATA_WAITERS = F.dataWaiters.index;
export const SPACE_WAITERS = F.spaceWaiters.index;
export const JOIN_WAITERS = F.joinWaiters.index;
export const LOCK_OWNER = F.lockOwner.index;
/** Byte offset of the ring from the region start (the header's cache line ends there). */
export const DATA_OFFSET = 64;
/** Bytes of a record's length prefix. */
export const RECORD_HEADER_BYTES = 4;
/** Smallest ring. */
export const MIN_CAPACITY = 8;
/** Largest ring: 1 GiB. */
export const MAX_CAPACITY = 2 ** 30;

/** The whole region of a queue whose ring holds `capacity` bytes (a multiple of 4): header, then ring. */
export function queueLayout(capacity: number): Layout {
  return {
    fields: QUEUE_HEADER.fields,
    byteLength: DATA_OFFSET + capacity,
    alignment: QUEUE_HEADER.alignment,
  };
}

/** `n` rounded up to a multiple of 4 (`n` at most 2^30, so it never overflows int32). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** The error for a header or record that breaks the layout's rules. */
export function corrupted(detail: string): InvalidHandleError {
  return new InvalidHandleError(
    `Queue: its shared header is corrupted (${detail}): the queue's memory was overwritten by a bug ` +
      "or by another thread writing into this buffer; it cannot be used any more — create a new queue",
  );
}

/** Range checks of the header words read under the lock (InvalidHandleError when violated). */
function checkHeader(head: number, used: number, count: number, capacity: number): void {
  if (!(head >= 0 && head < capacity && (head & 3) === 0)) throw corrupted(`head is ${head}`);
  if (!(used >= 0 && used <= capacity && (used & 3) === 0)) throw corrupted(`usedBytes is ${used}`);
  if (!(count >= 0 && count <= used >> 2 && (count === 0) === (used === 0))) {
    throw corrupted(`count is ${count} with ${used} bytes in use`);
  }
}

/** The ring of one attached queue (this thread's views of it). */
export class RecordRing {
  /** The whole header (and ring) as int32 words from the region start. */
  readonly i32: Int32Array;
  /** Ring bytes (a multiple of 4). */
  readonly capacity: number;
  /** Item bound (0 = unbounded). */
  readonly maxSize: number;
  /** The owning class's name, for messages. */
  readonly name: string;
  readonly #u8: Uint8Array;
  readonly #ring32: Int32Array;

  constructor(i32: Int32Array, capacity: number, maxSize: number, name: string) {
    this.i32 = i32;
    this.capacity = capacity;
    this.maxSize = maxSize;
    this.name = name;
    const ringStart = i32.byteOffset + DATA_OFFSET;
    this.#u8 = new Uint8Array(i32.buffer, ringStart, capacity);
    this.#ring32 = new Int32Array(i32.buffer, ringStart, capacity >> 2);
  }

  /**
   * Copies as many staged records as fit into the ring in one lock hold.
   * Returns how many (0 = no room).
   *
   * @throws ClosedError when closed; InvalidHandleError when the header is
   * corrupted; OwnerDiedError when the lock's holder died.
   */
  commit(stage: Stage, deadline?: Deadline): number {
    const i32 = this.i32;
    const capacity = this.capacity;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, deadline);
    let put = 0;
    try {
      if (deadOwner !== 0) {
        const outcome =
          stage.next === 0
            ? "Nothing of this call was put: call it again."
            : `${stage.next} of this call's ${stage.records} items were put before; the rest were not: put those again.`;
        throw this.recoverFromDeadOwner(deadOwner, outcome);
      }
      if (i32[CLOSED] !== 0) {
        throw new ClosedError(`${this.name}: the queue is closed: nothing more can be put into it`);
      }
      // Header read once, checked before use (plain reads: the lock orders them).
      const head = i32[HEAD] as number;
      const used = i32[USED_BYTES] as number;
      const count = i32[COUNT] as number;
      checkHeader(head, used, count, capacity);
      const free = capacity - used;
      let room = stage.records - stage.next;
      if (this.maxSize > 0) room = Math.min(room, this.maxSize - count);
      const from = stage.nextStart();
      const ends = stage.ends;
      while (put < room && (ends[stage.next + put] as number) - from <= free) put++;
      if (put > 0) {
        const to = ends[stage.next + put - 1] as number;
        const bytes = to - from;
        let tail = head + used;
        if (tail >= capacity) tail -= capacity;
        const first = Math.min(bytes, capacity - tail);
        const u8 = this.#u8;
        u8.set(stage.bytes.subarray(from, from + first), tail);
        if (first < bytes) u8.set(stage.bytes.subarray(from + first, to), 0);
        i32[USED_BYTES] = used + bytes;
        // Atomic store so qsize()/spinners outside the lock read a whole value; the unlock publishes it too.
        Atomics.store(i32, COUNT, count + put);
        // JoinableQueue's unfinished tasks; pairs with taskDone's CAS and join's load.
        Atomics.add(i32, UNFINISHED, put);
        stage.next += put;
      }
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    if (put > 0) {
      // Publishes "new data" to sleepers; pairs with their load of DATA_SEQ after they register.
      Atomics.add(i32, DATA_SEQ, 1);
      // Only wakes when someone registered to sleep (queue-waits.ts, "No lost wake-up").
      if (Atomics.load(i32, DATA_WAITERS) > 0) notify(i32, DATA_SEQ, put);
    }
    return put;
  }

  /**
   * Takes up to `max` records into `scratch` (contiguous, ring format) in
   * one lock hold; returns the end byte in the scratch (0 = nothing).
   *
   * @throws ClosedError when closed and empty; InvalidHandleError when
   * corrupted; OwnerDiedError when the lock's holder died.
   */
  take(scratch: Scratch, max: number, deadline?: Deadline): number {
    const i32 = this.i32;
    const capacity = this.capacity;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, deadline);
    let bytes = 0;
    try {
      if (deadOwner !== 0) {
        throw this.recoverFromDeadOwner(
          deadOwner,
          "Nothing was taken by this call: call it again.",
        );
      }
      const head = i32[HEAD] as number;
      const used = i32[USED_BYTES] as number;
      const count = i32[COUNT] as number;
      checkHeader(head, used, count, capacity);
      if (count === 0) {
        if (i32[CLOSED] !== 0) {
          throw new ClosedError(
            `${this.name}: the queue is closed and drained: nothing more will arrive`,
          );
        }
        return 0;
      }
      const taken = Math.min(max, count);
      bytes = this.#walkRecords(head, used, taken, 0);
      scratch.ensure(bytes);
      const first = Math.min(bytes, capacity - head);
      const u8 = this.#u8;
      scratch.bytes.set(u8.subarray(head, head + first), 0);
      if (first < bytes) scratch.bytes.set(u8.subarray(0, bytes - first), first);
      let newHead = head + bytes;
      if (newHead >= capacity) newHead -= capacity;
      i32[HEAD] = newHead;
      i32[USED_BYTES] = used - bytes;
      // Atomic store so qsize()/spinners outside the lock read a whole value; the unlock publishes it too.
      Atomics.store(i32, COUNT, count - taken);
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    // Publishes "room" to sleeping producers; pairs with their load of SPACE_SEQ after they register.
    Atomics.add(i32, SPACE_SEQ, 1);
    // Every producer wakes: sizes differ, so the one that fits may not be the first in line.
    if (Atomics.load(i32, SPACE_WAITERS) > 0) notify(i32, SPACE_SEQ);
    return bytes;
  }

  /**
   * Closes the ring for every thread and wakes every sleeper; throws the
   * OwnerDiedError of a dead holder after closing.
   */
  close(): void {
    const i32 = this.i32;
    const deadOwner = lockQueue(i32, LOCK, LOCK_OWNER, undefined);
    let died: OwnerDiedError | undefined;
    try {
      if (deadOwner !== 0) died = this.recoverFromDeadOwner(deadOwner, "The queue is now closed.");
      // Under the lock: a put either committed before (its items stay, to be drained) or sees closed.
      // Atomic so the snapshots outside the lock (readable, mayFit, closed) read it; pairs with their loads.
      Atomics.store(i32, CLOSED, 1);
    } finally {
      unlockQueue(i32, LOCK, LOCK_OWNER);
    }
    // Moves both sequence words so no waiter can sleep on the old values; pairs with the loads in the waits.
    Atomics.add(i32, DATA_SEQ, 1);
    Atomics.add(i32, SPACE_SEQ, 1);
    notify(i32, DATA_SEQ);
    notify(i32, SPACE_SEQ);
    if (died !== undefined) throw died;
  }

  /**
   * Called with the lock held, taken over from a thread that died holding
   * it: checks the whole header and every record (a typed error if the dead
   * thread left them inconsistent) and returns the OwnerDiedError to report,
   * its message ending with `outcome` (what became of the caller's call).
   */
  recoverFromDeadOwner(deadOwner: number, outcome: string): OwnerDiedError {
    const i32 = this.i32;
    const head = i32[HEAD] as number;
    const used = i32[USED_BYTES] as number;
    const count = i32[COUNT] as number;
    checkHeader(head, used, count, this.capacity);
    const walked = this.#walkRecords(head, used, count, deadOwner);
    if (walked !== used) {
      throw corrupted(
        `after thread ${deadOwner} died holding its lock, ${count} records fill ${walked} bytes but ${used} are in use`,
      );
    }
    return new OwnerDiedError(
      `${this.name}: thread ${deadOwner} died while holding the queue's internal lock (in the middle of a put or get). ` +
        `The queue checked its ${count} items and they are intact; a put or get the dead thread had not finished is wholly undone or wholly done. ${outcome}`,
      { ownerIdentity: deadOwner },
    );
  }

  /**
   * The one walk over records, under the lock: from `head`, `records`
   * records, each length checked against the bytes in use before it moves
   * the position. Returns their bytes. `deadOwner` (0 = none) names the dead
   * holder in the error, for the walk of owner-death recovery.
   */
  #walkRecords(head: number, used: number, records: number, deadOwner: number): number {
    const ring32 = this.#ring32;
    const capacity = this.capacity;
    let position = head;
    let walked = 0;
    // Bounded by `records` (<= count <= capacity / 4); each length is checked before it moves `position`.
    for (let k = 0; k < records; k++) {
      const length = ring32[position >> 2] as number;
      // length <= capacity first, so that pad4 cannot overflow int32 on a corrupted word.
      const recordBytes = RECORD_HEADER_BYTES + pad4(length);
      if (!(length >= 0 && length <= capacity && recordBytes <= used - walked)) {
        const after = deadOwner === 0 ? "" : `after thread ${deadOwner} died holding its lock, `;
        throw corrupted(
          `${after}a record at byte ${position} claims ${length} bytes, but ${used - walked} are in use`,
        );
      }
      walked += recordBytes;
      position += recordBytes;
      if (position >= capacity) position -= capacity;
    }
    return walked;
  }

  // ------------------------------------------------ snapshots outside the lock

  /** Items in the ring now (a snapshot: other threads change it at once). */
  count(): number {
    // Reads the count stored under the lock by the last put/get (a snapshot).
    const count = Atomics.load(this.i32, COUNT);
    if (count < 0 || count > this.capacity >> 2) throw corrupted(`count is ${count}`);
    return count;
  }

  /** An item is there, or the queue is closed (a racy hint for waiters; take decides under the lock). */
  readable(): boolean {
    // Snapshots: COUNT is stored under the lock, CLOSED by close().
    return Atomics.load(this.i32, COUNT) !== 0 || Atomics.load(this.i32, CLOSED) !== 0;
  }

  /** Could a record of `bytes` bytes fit now? (a racy hint for spinning, no lock). */
  mayFit(bytes: number): boolean {
    const i32 = this.i32;
    // Snapshots written under the lock; a wrong guess costs one lock round.
    if (Atomics.load(i32, CLOSED) !== 0) return true;
    if (this.maxSize > 0 && Atomics.load(i32, COUNT) >= this.maxSize) return false;
    return this.capacity - Atomics.load(i32, USED_BYTES) >= bytes;
  }
}
