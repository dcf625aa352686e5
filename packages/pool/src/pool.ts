/**
 * `Pool`: Python's `multiprocessing.Pool` on shared memory.
 *
 * ## Design
 *
 * - **Dispatch.** Tasks wait in the parent (a deque) until a worker has room.
 *   Each worker has its own task queue (a sabkit `Queue` in shared memory);
 *   every call made in one tick is coalesced (a microtask flush) and sent as
 *   batches of records, one `tryPutMany` per worker per flush. A record is one
 *   `apply`, or one chunk of `map`. A worker holds at most `WINDOW` records
 *   (sent, not answered); the parent refills in rounds (round robin, a share
 *   of the outstanding work per worker) so long tasks spread over workers.
 * - **Results.** Every worker publishes each record's result in one shared
 *   results queue before starting the next record; the parent drains it with
 *   `tryGetMany` (spinning briefly), and when it runs dry sleeps in
 *   `waitReadableAsync` (`waitAsync`), which takes nothing: results are taken
 *   only synchronously and handled at once, so always in order.
 * - **Long synchronous submission runs.** A loop of `apply` calls never yields
 *   to the microtask flush; every EAGER_RECORDS calls, `apply` itself handles
 *   the results that are in and flushes, so the workers run while the loop
 *   goes on.
 * - **Crash recovery.** A worker stores the seq of the record it starts in
 *   its slot (`slot.ts`). When it exits, the parent drains the results queue,
 *   then rejects the unanswered records with seq <= STARTED (they were running)
 *   with `WorkerCrashedError` and sends the others (never started) to the front
 *   of the deque; then it starts a replacement. A streak of `maxCrashes`
 *   unexpected exits with no result in between trips the breaker: the pool is
 *   broken, outstanding tasks reject with its error and nothing respawns.
 * - **Cancellation.** A queued task is removed at once. A sent task is marked
 *   in the slot's CANCEL word: the worker skips it if it has not started, and
 *   the task sees `currentTask().cancelled()`; its promise rejects at once. If
 *   it is still running `cancelGrace` ms later, its worker is terminated and
 *   replaced; the worker's other records had not started and are re-queued.
 * - **Live primitives.** A record the queue's codec refuses (a SharedArrayBuffer
 *   inside, which is what every primitive's handle holds; or larger than the
 *   ring) is `share`d and its inputs posted on the worker's MessagePort; the
 *   record carries the INPUTS_PORT flag. Results come back the same way
 *   (RESULT_OK_PORT). Plain records never take this path, so they pay nothing.
 *
 * ## Where the pieces are
 *
 * This file dispatches, handles results and runs the workers' lives. The
 * records and their codes are in `protocol.ts`; a task's parent side and the
 * one `settle` that ends it in `submission.ts`; the line in the parent in
 * `pending.ts`; the map family in `map.ts`; one worker's start in
 * `pool-worker.ts`; what goes through a worker's port in `worker-port.ts`;
 * the worker's loop in `worker.ts`.
 */

import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import type { WaitOptions } from "@sabkit/core";
import {
  AbortError,
  ClosedError,
  FullError,
  SabkitError,
  share,
  TimeoutError,
  WorkerCrashedError,
} from "@sabkit/core";
import { Deadline, reviveError, type SerializedError } from "@sabkit/core/internal";
import type { WebWorker } from "@sabkit/process";
import { refuseWhileImporting } from "@sabkit/process/internal";
import { Queue } from "@sabkit/queue";
import { checkCall, checkPoolOptions, checkPositiveInt, resolveModule } from "./checks.js";
import { imapResults, type MapHost, mapAll } from "./map.js";
import { PendingTasks, RoomWaiters } from "./pending.js";
import {
  now,
  type PoolWorker,
  SEQ_RANGE,
  startPoolWorker,
  untilExited,
  WORKER_ENTRY_MODULE,
  type WorkerSetup,
  workerStats,
  workerTarget,
} from "./pool-worker.js";
import {
  INPUTS_CALL,
  RESULT_ERROR,
  RESULT_OK,
  RESULT_OK_F64,
  RESULT_OK_PORT,
  RESULT_VALUE,
  type ResultRecord,
  type TaskRecord,
} from "./protocol.js";
import { CANCEL_WORDS, cancelRecord, startedSeq } from "./slot.js";
import {
  PENDING,
  SENT,
  SETTLED,
  Submission,
  settle,
  type TaskCounts,
  taskFuture,
} from "./submission.js";
import type {
  AnyTasks,
  MapOptions,
  PoolOptions,
  PoolStats,
  TaskArgs,
  TaskFuture,
  TaskItem,
  TaskName,
  TaskOptions,
  TaskResult,
  WorkerStats,
} from "./types.js";
import { sendRecord } from "./worker-port.js";

/** What `imap`/`imapUnordered` return for task `K`. */
type Results<M, K extends keyof M> = AsyncGenerator<TaskResult<M, K>, void, undefined>;

/** Most records in flight on one worker (< CANCEL_WORDS, see slot.ts). */
const WINDOW = CANCEL_WORDS / 2;
/** Most records sent to one worker in one commit. */
const BATCH_RECORDS = 512;
/** A synchronous run of this many submissions drains results and flushes without waiting for its end. */
const EAGER_RECORDS = 1024;
/** Results taken per drain. */
const DRAIN_MAX = 4096;
const DRAIN_SPINS = 16;
/** Bound of one idle sleep of the drain loop (it re-checks whether work is outstanding). */
const DRAIN_WAIT_MS = 250;
const TASK_QUEUE_BYTES = 16 * 1024 * 1024;
const RESULT_QUEUE_BYTES = 16 * 1024 * 1024;
/** Default of `PoolOptions.cancelGrace`. */
const CANCEL_GRACE_MS = 1000;
/** Longest sleep of `join` before it re-checks which workers are live. */
const JOIN_RECHECK_MS = 1000;
/** Default of `PoolOptions.maxCrashes`. */
const MAX_CRASHES = 8;

function defaultProcesses(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = nav?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

/**
 * A pool of worker processes running the exported functions of one module.
 *
 * @example
 * ```ts
 * // tasks.ts
 * export function square(x: number) { return x * x; }
 * // main.ts
 * await using pool = new Pool<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url));
 * console.log(await pool.map("square", [0, 1, 2, 3])); // [0, 1, 4, 9]
 * ```
 */
export class Pool<M = AnyTasks> {
  /** The task module's URL; `"(worker entry)"` when workers start from a worker entry of yours. */
  readonly module: string;
  /** Number of workers. */
  readonly processes: number;
  readonly #options: PoolOptions;
  readonly #results: Queue<ResultRecord>;
  readonly #workers: (PoolWorker | undefined)[];
  readonly #byId = new Map<number, PoolWorker>();
  readonly #pending = new PendingTasks();
  #inFlight = 0;
  #flushScheduled = false;
  /** Records queued since the last flush (see EAGER_RECORDS). */
  #sinceFlush = 0;
  /** True while #flush or #drainNow runs (user getters called from there may call apply). */
  #sending = false;
  #draining = false;
  #closed = false;
  #terminated = false;
  #broken: SabkitError | undefined;
  #crashStreak = 0;
  #nextWorkerId = 1;
  #workersStarted = 0;
  readonly #roomWaiters = new RoomWaiters();
  readonly #counts: TaskCounts = { completed: 0, failed: 0, cancelled: 0, crashed: 0 };
  readonly #workerSetup: WorkerSetup;
  readonly #mapHost: MapHost;

  constructor(module: string | URL | (() => WebWorker), options: PoolOptions = {}) {
    refuseWhileImporting("new Pool()");
    this.module =
      typeof module === "function"
        ? WORKER_ENTRY_MODULE
        : resolveModule(
            module,
            "new Pool(module): module",
            ", or a function that starts a worker from an entry calling servePool() of @sabkit/pool/worker",
          );
    checkPoolOptions(options);
    this.processes = checkPositiveInt(options.processes, "processes") ?? defaultProcesses();
    this.#options = { ...options };
    const target = workerTarget(module, options.workerUrl);
    // Shared once (a TypeError naming the path of a function in them); posted to every worker.
    const initArgs = share(options.initArgs ?? [], "initArgs");
    this.#results = new Queue<ResultRecord>({ capacity: RESULT_QUEUE_BYTES });
    this.#workerSetup = {
      module: this.module,
      target,
      results: this.#results,
      taskQueueBytes: TASK_QUEUE_BYTES,
      initializer: options.initializer,
      initArgs,
      histogram: options.histogram === true,
      resourceLimits: options.resourceLimits,
      counts: this.#counts,
      onExit: (worker, code) => this.#onExit(worker, code),
    };
    this.#mapHost = {
      processes: this.processes,
      defaultChunksize: options.chunksize,
      checkOpen: (what) => this.#checkOpen(what),
      enqueue: (task, taskOptions) => this.#enqueue(task, taskOptions),
      cancel: (task, error) => this.#cancel(task, error),
      countCancelled: (items) => {
        this.#counts.cancelled += items;
      },
    };
    this.#workers = new Array(this.processes).fill(undefined);
    for (let i = 0; i < this.processes; i++) this.#spawn(i, 1);
  }

  // ------------------------------------------------------------ public API

  /**
   * Runs `name(...args)` in a worker. Rejects with the task's error (same class for built-in
   * and sabkit errors, the worker's stack), `WorkerCrashedError`, `AbortError`, `TimeoutError`,
   * `FullError` (beyond `maxQueue`), `ClosedError` (after `close()`/`terminate()`).
   */
  apply<K extends TaskName<M>>(
    name: K,
    args: TaskArgs<M, K>,
    options?: TaskOptions,
  ): Promise<TaskResult<M, K>> {
    // The submission holds the promise's own resolve/reject: no wrapper closures per task.
    return new Promise<TaskResult<M, K>>((resolve, reject) => {
      try {
        this.#enqueueCall(name, args, options, resolve as (value: unknown) => void, reject);
      } catch (error) {
        reject(error);
      }
    });
  }

  /** `apply` whose promise can also be cancelled (`future.cancel()`), as `concurrent.futures`. */
  submit<K extends TaskName<M>>(
    name: K,
    args: TaskArgs<M, K>,
    options?: TaskOptions,
  ): TaskFuture<TaskResult<M, K>> {
    return taskFuture(
      (resolve, reject) => this.#enqueueCall(name, args, options, resolve, reject),
      (task) =>
        this.#cancel(
          task,
          new AbortError(undefined, "Pool: the task was cancelled through future.cancel()"),
        ),
    );
  }

  /** Python's `map`: `name(item)` for every item, results in order. Chunked (automatic chunksize as Python's). */
  async map<K extends TaskName<M>>(
    name: K,
    items: Iterable<TaskItem<M, K>>,
    options?: MapOptions,
  ): Promise<TaskResult<M, K>[]> {
    return mapAll(this.#mapHost, name, items, options, false, "map") as Promise<TaskResult<M, K>[]>;
  }

  /** Python's `starmap`: `name(...args)` for every argument tuple, results in order. */
  async starmap<K extends TaskName<M>>(
    name: K,
    argsList: Iterable<TaskArgs<M, K>>,
    options?: MapOptions,
  ): Promise<TaskResult<M, K>[]> {
    return mapAll(this.#mapHost, name, argsList, options, true, "starmap") as Promise<
      TaskResult<M, K>[]
    >;
  }

  /**
   * Python's `imap`: results in input order, as they arrive, while later items are still being
   * sent. Reads the input lazily (a bounded number of chunks ahead), so an infinite iterable
   * works; stopping early (`break`) cancels what is outstanding.
   */
  imap<K extends TaskName<M>>(
    name: K,
    items: Iterable<TaskItem<M, K>> | AsyncIterable<TaskItem<M, K>>,
    options?: MapOptions,
  ): AsyncGenerator<TaskResult<M, K>, void, undefined> {
    return imapResults(this.#mapHost, name, items, options, true, "imap") as Results<M, K>;
  }

  /** Python's `imap_unordered`: as `imap`, results in completion order. */
  imapUnordered<K extends TaskName<M>>(
    name: K,
    items: Iterable<TaskItem<M, K>> | AsyncIterable<TaskItem<M, K>>,
    options?: MapOptions,
  ): AsyncGenerator<TaskResult<M, K>, void, undefined> {
    const unordered = imapResults(this.#mapHost, name, items, options, false, "imapUnordered");
    return unordered as Results<M, K>;
  }

  /** Resolves when fewer than `maxQueue` tasks wait in the parent (at once without `maxQueue`). */
  async room(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "Pool.room options");
    const max = this.#options.maxQueue;
    while (max !== undefined && this.#pending.size >= max) {
      this.#checkOpen("room");
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError("Pool.room (waiting for the queue to drain)");
      await this.#roomWaiters.wait(deadline);
    }
  }

  /** Counts, queue depth, per-worker utilization (and the histogram with `histogram: true`). */
  stats(): PoolStats {
    const at = now();
    const workers: WorkerStats[] = [];
    let histogram: number[] | undefined;
    for (const worker of this.#workers) {
      if (worker === undefined) continue;
      const [stats, workerHistogram] = workerStats(worker, at);
      workers.push(stats);
      if (this.#options.histogram === true) {
        histogram ??= new Array(workerHistogram.length).fill(0);
        for (let b = 0; b < workerHistogram.length; b++) histogram[b]! += workerHistogram[b]!;
      }
    }
    return {
      ...this.#counts,
      queued: this.#pending.size,
      inFlight: this.#inFlight,
      workersStarted: this.#workersStarted,
      workers,
      ...(histogram === undefined ? {} : { histogram }),
    };
  }

  /** The error that broke the pool (the crash breaker), or `undefined`. */
  get brokenError(): SabkitError | undefined {
    return this.#broken;
  }

  /** Python's `close()`: no new tasks; workers exit once every submitted task is done. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#maybeRetireAll();
  }

  /**
   * Python's `terminate()`: stops every worker now; tasks not yet settled reject with ClosedError.
   */
  terminate(): void {
    this.#closed = true;
    if (this.#terminated) return;
    this.#terminated = true;
    this.#failEverything(
      new ClosedError("Pool.terminate: the pool was terminated before this task finished"),
    );
    for (const worker of this.#workers) {
      if (worker === undefined) continue;
      worker.terminatedByPool = true;
      worker.process.terminate();
    }
  }

  /** Waits until every worker has exited (call `close()` or `terminate()` first). */
  async join(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "Pool.join options");
    if (!this.#closed) {
      throw new SabkitError(
        "Pool.join: call close() or terminate() first (as Python's Pool.join requires)",
      );
    }
    for (;;) {
      const live = this.#workers.filter((worker): worker is PoolWorker => worker !== undefined);
      if (live.length === 0) return;
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError("Pool.join (waiting for the workers to exit)");
      await untilExited(live, deadline, JOIN_RECHECK_MS);
    }
  }

  /** `await using pool = new Pool(...)`: `close()` then `join()` (every submitted task finishes). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  // ------------------------------------------------------------ submission

  #checkOpen(what: string): void {
    if (this.#broken !== undefined) throw this.#broken;
    if (this.#closed) {
      throw new ClosedError(
        `Pool.${what}: the pool is closed (close() or terminate() was called); create a new Pool`,
      );
    }
  }

  /** Checks and queues one `apply`/`submit` call; `resolve` receives its result. Throws on bad input. */
  #enqueueCall(
    name: unknown,
    args: unknown,
    options: unknown,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): Submission {
    const taskOptions = checkCall(name, args, options);
    this.#checkOpen("apply");
    const maxQueue = this.#options.maxQueue;
    if (maxQueue !== undefined && this.#pending.size >= maxQueue) {
      throw new FullError(
        `Pool.apply: ${this.#pending.size} tasks are waiting (maxQueue ${maxQueue}); await pool.room() before submitting more`,
      );
    }
    const task = new Submission(name as string, args as unknown[], INPUTS_CALL, resolve, reject);
    return this.#enqueue(task, taskOptions);
  }

  /** Puts `task` in the line (or rejects it at once when its signal is aborted already). */
  #enqueue(task: Submission, options: TaskOptions): Submission {
    if (options.signal !== undefined || options.timeout !== undefined) {
      if (options.signal?.aborted) {
        settle(task, this.#counts, "cancelled", new AbortError(options.signal.reason));
        return task;
      }
      task.watch(options, (error) => this.#cancel(task, error));
    }
    this.#pending.push(task);
    // A long synchronous run of submissions (a loop of apply calls) would leave the workers idle
    // until it ends: every EAGER_RECORDS of them, take the results that are in and send.
    // Not while a flush or drain is on the stack: encoding arguments runs their getters, which
    // may call apply; a nested flush would hand out seqs the outer one already took.
    if (++this.#sinceFlush >= EAGER_RECORDS && !this.#sending) {
      try {
        this.#drainNow();
        this.#flush();
      } catch (error) {
        // Not this call's failure (its record is queued): reported as the scheduled flush would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.#scheduleFlush();
    return task;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  // ------------------------------------------------------------ dispatch

  /** Sends waiting records to workers with room, in rounds. */
  #flush(): void {
    const outer = this.#sending;
    this.#sending = true;
    try {
      this.#flushRounds();
    } finally {
      this.#sending = outer;
    }
  }

  #flushRounds(): void {
    this.#sinceFlush = 0;
    if (this.#pending.size === 0 || this.#terminated) return;
    const live = this.#workers.filter(
      (worker): worker is PoolWorker => worker !== undefined && !worker.retiring,
    );
    if (live.length === 0) return;
    // A share of the outstanding records per worker (so long tasks spread), at least 2 (so a
    // worker has its next record while the parent reads the last result), at most WINDOW.
    const target = Math.min(
      WINDOW,
      Math.max(2, Math.ceil((this.#pending.size + this.#inFlight) / (live.length * 4))),
    );
    let progress = true;
    while (progress && this.#pending.size > 0) {
      progress = false;
      for (const worker of live) {
        if (this.#pending.size === 0) break;
        if (worker.retiring) continue;
        const room = this.#roomOn(worker, target);
        if (room <= 0) continue;
        const batch: Submission[] = [];
        while (batch.length < room) {
          const task = this.#pending.take();
          if (task === undefined) break;
          batch.push(task);
        }
        if (batch.length === 0) break;
        if (this.#send(worker, batch)) progress = true;
      }
    }
    this.#wakeRoomWaiters();
    if (this.#inFlight > 0 && !this.#draining) void this.#drainLoop();
  }

  /** How many records `worker` may be sent now, holding at most `target`. */
  #roomOn(worker: PoolWorker, target: number): number {
    const room = Math.min(
      target - worker.records.size,
      BATCH_RECORDS,
      SEQ_RANGE.last - worker.nextSeq + 1,
    );
    const maxPerChild = this.#options.maxTasksPerChild;
    return maxPerChild === undefined ? room : Math.min(room, maxPerChild - worker.sent);
  }

  /**
   * Puts `batch` in `worker`'s queue, one queue item per record, in one commit (each record encoded
   * on its own: its inputs are cloned apart from other tasks', as a postMessage per task would).
   * False when none fit (the rest go back to the front of the deque).
   */
  #send(worker: PoolWorker, batch: Submission[]): boolean {
    const firstSeq = worker.nextSeq;
    const records: TaskRecord[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const task = batch[i]!;
      records[i] = [firstSeq + i, task.name, task.inputs, task.shape];
    }
    let put: number;
    try {
      put = worker.tasks.tryPutMany(records);
    } catch {
      // A record cannot be encoded (a function in its arguments) or is larger than the ring: send
      // one by one, until the ring is full (the rest go back to the front of the deque, in order).
      let any = false;
      for (let i = 0; i < batch.length; i++) {
        const sent = this.#sendOne(worker, batch[i]!);
        if (sent === "full") {
          this.#pending.returnToFront(batch.slice(i));
          break;
        }
        if (sent === "sent") any = true;
      }
      return any;
    }
    for (let i = 0; i < put; i++) this.#markSent(worker, batch[i]!, firstSeq + i);
    if (put < batch.length) this.#pending.returnToFront(batch.slice(put));
    return put > 0;
  }

  /** Sends one record on its own: "sent", "full" (no room in the ring; the caller keeps it) or "rejected" (settled). */
  #sendOne(worker: PoolWorker, task: Submission): "sent" | "full" | "rejected" {
    const seq = worker.nextSeq;
    const outcome = sendRecord(worker.tasks, worker.port, task, seq);
    if (outcome === "sent") this.#markSent(worker, task, seq);
    if (typeof outcome === "string") return outcome;
    settle(task, this.#counts, "failed", outcome.unsendable);
    return "rejected";
  }

  #markSent(worker: PoolWorker, task: Submission, seq: number): void {
    task.state = SENT;
    task.worker = worker;
    task.seq = seq;
    worker.records.set(task);
    worker.nextSeq = seq + 1;
    worker.sent++;
    this.#inFlight++;
    const max = this.#options.maxTasksPerChild;
    if ((max !== undefined && worker.sent >= max) || seq >= SEQ_RANGE.last) this.#retire(worker);
  }

  // ------------------------------------------------------------ results

  async #drainLoop(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#inFlight > 0) {
        let results = this.#results.tryGetMany(DRAIN_MAX);
        for (let spin = 0; results.length === 0 && spin < DRAIN_SPINS; spin++) {
          spinWait(spin);
          if (this.#results.qsize() !== 0) results = this.#results.tryGetMany(DRAIN_MAX);
        }
        if (results.length === 0) {
          // Waits without taking: results are only ever taken by a synchronous tryGetMany and
          // handled at once, so they are handled in order even when apply() drains (#enqueue).
          try {
            await this.#results.waitReadableAsync({ timeout: DRAIN_WAIT_MS });
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
          }
          continue;
        }
        this.#handleResults(results);
        this.#flush();
      }
    } finally {
      this.#draining = false;
    }
    this.#maybeRetireAll();
  }

  #drainNow(): void {
    const outer = this.#sending;
    this.#sending = true;
    try {
      for (let i = 0; i < 1_000_000; i++) {
        const results = this.#results.tryGetMany(DRAIN_MAX);
        if (results.length === 0) return;
        this.#handleResults(results);
      }
    } finally {
      this.#sending = outer;
    }
  }

  #handleResults(results: ResultRecord[]): void {
    for (const [workerId, seq, status, payload] of results) {
      // A result names its worker and seq; one the pool does not hold is ignored.
      const worker = this.#byId.get(workerId);
      const task = worker?.records.delete(seq);
      if (worker === undefined || task === undefined) continue;
      worker.completed++;
      this.#inFlight--;
      this.#crashStreak = 0;
      if (task.state !== SENT) {
        // Cancelled meanwhile (already rejected); values on their way through the port are dropped.
        if (status === RESULT_OK_PORT) worker.port.dropValues(seq);
        continue;
      }
      if (status === RESULT_OK_PORT) {
        // Answered: no cancel may reject it any more while its values arrive and are revived.
        task.close();
        worker.port.answered(task);
      } else if (status === RESULT_VALUE) settle(task, this.#counts, "completed", payload);
      else if (status === RESULT_OK || status === RESULT_OK_F64) {
        settle(task, this.#counts, "completed", task.isCall ? (payload as unknown[])[0] : payload);
      } else if (status === RESULT_ERROR) {
        settle(task, this.#counts, "failed", reviveError(payload as SerializedError));
      } else {
        // Skipped by the worker, which saw a cancel we did not make: should not happen.
        const error = new AbortError(undefined, "Pool: the task was cancelled before it started");
        settle(task, this.#counts, "cancelled", error);
      }
    }
  }

  // ------------------------------------------------------------ cancellation

  #cancel(task: Submission, error: Error): void {
    if (task.state === SETTLED) return;
    const wasSent = task.state === SENT;
    if (task.state === PENDING) this.#pending.forget();
    settle(task, this.#counts, "cancelled", error);
    this.#wakeRoomWaiters();
    const worker = task.worker;
    if (!wasSent || worker === undefined) return;
    cancelRecord(worker.slot, task.seq);
    const timer = setTimeout(() => {
      // Still unanswered and started: the task ignores its cancellation.
      if (
        worker.records.get(task.seq) === task &&
        startedSeq(worker.slot) === task.seq &&
        !worker.terminatedByPool
      ) {
        worker.terminatedByPool = true;
        worker.process.terminate();
      }
    }, this.#options.cancelGrace ?? CANCEL_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
  }

  // ------------------------------------------------------------ workers

  #spawn(index: number, generation: number): void {
    const worker = startPoolWorker(this.#workerSetup, this.#nextWorkerId++, index, generation);
    this.#workersStarted++;
    this.#workers[index] = worker;
    this.#byId.set(worker.id, worker);
  }

  #retire(worker: PoolWorker): void {
    if (worker.retiring) return;
    worker.retiring = true;
    // The worker runs what it holds, then sees ClosedError and returns (exit code 0).
    worker.tasks.close();
  }

  #maybeRetireAll(): void {
    if (!this.#closed || this.#pending.size > 0 || this.#inFlight > 0) return;
    for (const worker of this.#workers) if (worker !== undefined) this.#retire(worker);
  }

  #onExit(worker: PoolWorker, code: number): void {
    // The worker's last results first: what it answered is not lost.
    this.#drainNow();
    const started = startedSeq(worker.slot);
    const held = worker.records.values();
    this.#inFlight -= worker.records.size;
    worker.records.clear();
    if (this.#workers[worker.index] === worker) this.#workers[worker.index] = undefined;
    this.#byId.delete(worker.id);
    const expected = (worker.retiring && code === 0) || worker.terminatedByPool || this.#terminated;
    const threadId = worker.process.threadId ?? worker.process.pid ?? worker.id;
    const cause = worker.process.error ?? undefined;
    // Records up to STARTED were running (or ran) when the worker died; the others never started.
    for (const task of held) {
      if (task.state !== SENT || task.seq > started) continue;
      const error = new WorkerCrashedError(
        threadId,
        code,
        `Pool: worker ${worker.index} (thread ${threadId}) exited with code ${code} while running task "${task.name}"` +
          (cause ? ` (${cause.name}: ${cause.message})` : "") +
          "; the task did not complete. Other tasks of that worker were re-queued",
        { cause },
      );
      settle(task, this.#counts, "crashed", error);
    }
    this.#pending.returnToFront(held.filter((task) => task.seq > started && task.state === SENT));
    worker.port.close(
      (task) =>
        new WorkerCrashedError(
          threadId,
          code,
          `Pool: worker ${worker.index} exited before the result of task "${task.name}" reached the parent`,
        ),
    );
    if (!expected) this.#countCrash(code, cause);
    const replace =
      !this.#terminated &&
      this.#broken === undefined &&
      (!this.#closed || this.#pending.size > 0 || this.#inFlight > 0);
    if (replace) this.#spawn(worker.index, worker.generation + 1);
    this.#flush();
    this.#maybeRetireAll();
  }

  /** An unexpected exit: `maxCrashes` in a row (no result in between) break the pool. */
  #countCrash(code: number, cause: Error | undefined): void {
    this.#crashStreak++;
    if (this.#crashStreak < (this.#options.maxCrashes ?? MAX_CRASHES)) return;
    if (this.#broken !== undefined) return;
    this.#broken = new SabkitError(
      `Pool: ${this.#crashStreak} workers exited unexpectedly in a row without finishing a task ` +
        `(last: exit code ${code}${cause ? `, ${cause.name}: ${cause.message}` : ""}); the pool is broken and starts no more workers. ` +
        "Fix the task or initializer that crashes, then create a new Pool",
      { cause },
    );
    this.#closed = true;
    this.#failEverything(this.#broken);
    for (const other of this.#workers) if (other !== undefined) this.#retire(other);
  }

  /** Rejects every submission not yet settled, waiting or sent, with `error` (terminate, broken pool). */
  #failEverything(error: Error): void {
    for (;;) {
      const task = this.#pending.take();
      if (task === undefined) break;
      settle(task, this.#counts, "cancelled", error);
    }
    for (const worker of this.#workers) {
      if (worker === undefined) continue;
      for (const task of worker.records.values()) {
        if (task.state === SENT) settle(task, this.#counts, "cancelled", error);
      }
    }
    this.#wakeRoomWaiters();
  }

  #wakeRoomWaiters(): void {
    if (this.#roomWaiters.size === 0) return;
    const max = this.#options.maxQueue;
    if (max !== undefined && this.#pending.size >= max && !this.#closed) return;
    this.#roomWaiters.wakeAll();
  }
}
