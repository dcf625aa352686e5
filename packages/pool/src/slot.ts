/**
 * The worker slot: one small shared region per pool worker through which the
 * worker tells the parent which task it is running, and the parent tells the
 * worker which tasks are cancelled. It is what makes crash recovery exact:
 * when a worker dies, the parent knows which of the tasks it sent were
 * started (rejected with `WorkerCrashedError`) and which were never started
 * (sent to another worker).
 *
 * Task records sent to one worker carry a sequence number `seq` (1, 2, 3, …
 * per worker, assigned by the parent); the worker runs them one at a time in
 * that order.
 *
 * ## Layout (Int32Array words)
 *
 * | index            | field    | legal values                               | written by                                  |
 * |------------------|----------|--------------------------------------------|---------------------------------------------|
 * | 0                | TAG      | SLOT_KIND.tag                              | the parent, once, before the slot is sent   |
 * | 1                | STARTED  | 0, or the seq of the record running or last started | the worker, before it runs a record |
 * | 2                | FINISHED | 0, or the seq of the last record whose result is published | the worker, after the result is in the results queue |
 * | 3                | BUSY     | time spent running tasks, in units of 0.1 ms (wraps at 2^31) | the worker              |
 * | 4 .. 4+HIST-1    | HIST     | run-time histogram: count of records whose run time had log2(µs) = bucket | the worker (only with `histogram: true`) |
 * | CANCEL + k       | CANCEL[k]| 0, or a seq with seq % CANCEL_WORDS = k: that record is cancelled | the parent                |
 *
 * ## Transitions
 *
 * - STARTED: s-1 -> s (the worker, before it runs record s; skipped records
 *   do not move it). FINISHED: -> s after record s's result is published.
 * - CANCEL[s % CANCEL_WORDS]: -> s when the parent cancels record s (abort,
 *   timeout). A later record s' = s + CANCEL_WORDS reuses the word; the parent
 *   never has more than CANCEL_WORDS records in flight on one worker, so the
 *   word of a record in flight names only that record or an older one.
 *
 * ## Invariants
 *
 * - The worker publishes record s's result before it stores STARTED = s + 1:
 *   a record with seq <= STARTED whose result the parent has not received
 *   after draining the results queue (the worker being dead) was running
 *   when the worker died; a record with seq > STARTED never started.
 * - A record is cancelled iff CANCEL[seq % CANCEL_WORDS] === seq; the worker
 *   checks it before starting the record (and skips it) and the task checks it
 *   while running (`currentTask().cancelled()`).
 */
import { allocate, attach, defineKind, defineLayout } from "@sabkit/core/internal";

/** Cancel words per worker: the most records the parent keeps in flight on one worker. */
export const CANCEL_WORDS = 4096;
/** Histogram buckets: log2 of the run time in microseconds (0 = under 2 µs, 31 = over ~36 min). */
export const HIST_BUCKETS = 32;

export const SLOT_LAYOUT = defineLayout({
  tag: "int32",
  started: "int32",
  finished: "int32",
  busy: "int32",
  hist: { type: "int32", length: HIST_BUCKETS },
  cancel: { type: "int32", length: CANCEL_WORDS, cacheLine: true },
});

export const TAG = SLOT_LAYOUT.fields.tag.index;
export const STARTED = SLOT_LAYOUT.fields.started.index;
export const FINISHED = SLOT_LAYOUT.fields.finished.index;
export const BUSY = SLOT_LAYOUT.fields.busy.index;
export const HIST = SLOT_LAYOUT.fields.hist.index;
export const CANCEL = SLOT_LAYOUT.fields.cancel.index;
/** Byte length of a slot. */
export const SLOT_BYTES = SLOT_LAYOUT.byteLength;

export interface SlotHandle {
  readonly kind: string;
  readonly version: number;
  readonly package: string;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
}

export const SLOT_KIND = defineKind<SlotHandle>({
  kind: "pool.worker-slot",
  version: 1,
  package: "@sabkit/pool",
  layout: SLOT_LAYOUT,
});

/** A new slot in its own memory (tagged, every word 0) and its handle. */
export function createSlot(): { i32: Int32Array; handle: SlotHandle } {
  const buffer = allocate(SLOT_LAYOUT);
  const region = attach(SLOT_LAYOUT, buffer);
  SLOT_KIND.writeTag(region.i32, TAG);
  return { i32: region.i32, handle: SLOT_KIND.makeHandle(region) };
}

/** Attaches to a slot handle: wrong kind, version, buffer or size, or a bad tag, is an InvalidHandleError. */
export function slotFrom(handle: unknown): Int32Array {
  const valid = SLOT_KIND.validate(handle, "pool worker slot");
  const { i32 } = attach(SLOT_LAYOUT, valid.buffer, valid.byteOffset, valid.byteLength);
  SLOT_KIND.checkTag(i32, TAG, "pool worker slot");
  return i32;
}

/** Marks record `seq` cancelled (parent). */
export function cancelRecord(slot: Int32Array, seq: number): void {
  // Publishes the cancellation of record seq; pairs with the load in isCancelled (worker).
  Atomics.store(slot, CANCEL + (seq % CANCEL_WORDS), seq);
}

/** Whether record `seq` is cancelled (worker; one load). */
export function isCancelled(slot: Int32Array, seq: number): boolean {
  // Receives the store in cancelRecord.
  return Atomics.load(slot, CANCEL + (seq % CANCEL_WORDS)) === seq;
}

/** The seq of the record running or last started (parent, after the worker died). */
export function startedSeq(slot: Int32Array): number {
  // Receives the worker's store of STARTED (in markStarted).
  return Atomics.load(slot, STARTED);
}

/** The worker is about to run record `seq`. */
export function markStarted(slot: Int32Array, seq: number): void {
  // Publishes "record seq started" to the parent's startedSeq, after the
  // previous record's result was put in the results queue.
  Atomics.store(slot, STARTED, seq);
}

/** Record `seq`'s result is published; `ranMs` is how long it ran (for stats). */
export function markFinished(slot: Int32Array, seq: number): void {
  // Publishes progress for stats (read by the parent's stats()).
  Atomics.store(slot, FINISHED, seq);
}

/** Adds a run time to BUSY (and the histogram when enabled). Worker only. */
export function recordRunTime(
  slot: Int32Array,
  totalBusyMs: number,
  ranMs: number,
  histogram: boolean,
): void {
  // Publishes the running total (units of 0.1 ms) to stats(); a snapshot, not a hand-off.
  Atomics.store(slot, BUSY, Math.floor(totalBusyMs * 10) | 0);
  if (histogram) {
    const us = ranMs * 1000;
    const bucket = us < 2 ? 0 : Math.min(HIST_BUCKETS - 1, Math.floor(Math.log2(us)));
    // Counts one more record in the bucket; read by stats().
    Atomics.add(slot, HIST + bucket, 1);
  }
}

/** Busy time in ms and the histogram counts (parent, for stats). */
export function readSlotStats(slot: Int32Array): { busyMs: number; histogram: number[] } {
  // A snapshot of the worker's stores in recordRunTime.
  const busyMs = (Atomics.load(slot, BUSY) >>> 0) / 10;
  const histogram: number[] = [];
  // Each a snapshot of the worker's Atomics.add in recordRunTime.
  for (let b = 0; b < HIST_BUCKETS; b++) histogram.push(Atomics.load(slot, HIST + b));
  return { busyMs, histogram };
}
