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
 */

import { currentRuntime, spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import type { WaitOptions } from "@sabkit/core";
import {
  AbortError,
  ClosedError,
  FullError,
  reviveAsync,
  SabkitError,
  share,
  TimeoutError,
  WorkerCrashedError,
} from "@sabkit/core";
import {
  Deadline,
  describe,
  reviveError,
  type SerializedError,
  serializeError,
} from "@sabkit/core/internal";
import { Process, type ResourceLimits, type WebWorker } from "@sabkit/process";
import { refuseWhileImporting } from "@sabkit/process/internal";
import { Queue } from "@sabkit/queue";
import { InFlight } from "./in-flight.js";
import { CANCEL_WORDS, cancelRecord, createSlot, readSlotStats, startedSeq } from "./slot.js";
import {
  INPUTS_CALL,
  INPUTS_F64,
  INPUTS_PORT,
  type PortLike,
  RESULT_ERROR,
  RESULT_OK,
  RESULT_OK_F64,
  RESULT_OK_PORT,
  RESULT_VALUE,
  type ResultRecord,
  type TaskRecord,
  type ToParent,
  type ToWorker,
  type WorkerConfig,
} from "./worker.js";

// ---------------------------------------------------------------- types

/** Names of the module's exported functions. */
export type TaskName<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;
/** The argument tuple of task `K`. */
export type TaskArgs<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;
/** The (awaited) result of task `K`. */
export type TaskResult<M, K extends keyof M> = M[K] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;
/** The first argument of task `K` (what `map` passes). */
export type TaskItem<M, K extends keyof M> =
  TaskArgs<M, K> extends [infer A, ...unknown[]]
    ? A
    : // An untyped pool's tasks take any[]: their items are any, not never.
      TaskArgs<M, K> extends (infer A)[]
      ? A
      : never;

/** Options of `new Pool(...)`. */
export interface PoolOptions {
  /** Number of workers (default: the number of cores, at least 1). */
  processes?: number;
  /** Name of an exported function of the module run once in each worker before its first task. */
  initializer?: string;
  /** Arguments of the initializer. */
  initArgs?: unknown[];
  /** Replace a worker after it ran this many records (an `apply`, or one `map` chunk). Default: never. */
  maxTasksPerChild?: number;
  /** Default chunk size of `imap`/`imapUnordered` (default 1); `map`/`starmap` compute one when not given. */
  chunksize?: number;
  /** Most tasks waiting in the parent (not yet sent to a worker); beyond it `apply`/`submit` reject with FullError. Default: unbounded. */
  maxQueue?: number;
  /** Milliseconds a cancelled task may keep running before its worker is replaced (default 1000). */
  cancelGrace?: number;
  /** Unexpected worker exits in a row (no result in between) that break the pool (default 8). */
  maxCrashes?: number;
  /** Node only: each worker's heap limits (e.g. `{ maxOldGenerationSizeMb: 64 }`). */
  resourceLimits?: ResourceLimits;
  /** Record a run-time histogram per worker (`stats().histogram`). Default false. */
  histogram?: boolean;
  /**
   * The URL of the pool's worker module (one exporting `runPoolWorker`, as `@sabkit/pool`'s
   * `worker.js` does). Default: `worker.js` next to this module. Give it when a bundler moves
   * the files (see the README, "In a browser page").
   */
  workerUrl?: string | URL;
}

/** Per-task options. */
export interface TaskOptions {
  /** Aborting rejects the task with AbortError (a queued task is removed, a running one is cancelled). */
  signal?: AbortSignal;
  /** Milliseconds from submission; then the task rejects with TimeoutError and is cancelled. */
  timeout?: number;
}

/** Options of `map`, `starmap`, `imap`, `imapUnordered`. */
export interface MapOptions extends TaskOptions {
  /** Items per record sent to a worker. */
  chunksize?: number;
}

/** What `submit` returns: a Promise of the result that can also be cancelled. */
export interface TaskFuture<T> extends Promise<T> {
  /** Cancels the task (rejects it with AbortError); `false` if it had already settled. */
  cancel(): boolean;
  /** Whether the task has settled. */
  done(): boolean;
}

/** One worker in `stats()`. */
export interface WorkerStats {
  readonly index: number;
  readonly generation: number;
  readonly threadId: number | null;
  /** Records (tasks or chunks) this worker answered. */
  readonly completed: number;
  /** Milliseconds spent running tasks. */
  readonly busyMs: number;
  /** busyMs / the worker's age (0..1). */
  readonly utilization: number;
}

/** `pool.stats()`. */
export interface PoolStats {
  /** Tasks (items) that resolved. */
  readonly completed: number;
  /** Tasks that rejected with the task's own error. */
  readonly failed: number;
  /** Tasks rejected by abort or timeout, or by `terminate()` or a broken pool before they finished. */
  readonly cancelled: number;
  /** Tasks rejected with WorkerCrashedError. */
  readonly crashed: number;
  /** Records waiting in the parent. */
  readonly queued: number;
  /** Records sent to workers and not answered. */
  readonly inFlight: number;
  /** Workers started in total (replacements included). */
  readonly workersStarted: number;
  readonly workers: readonly WorkerStats[];
  /** Run-time histogram (all workers): counts per log2(µs) bucket; only with `histogram: true`. */
  readonly histogram?: readonly number[];
}

// ---------------------------------------------------------------- internals

type SendOutcome = "sent" | "full" | "rejected";

const PENDING = 0;
const SENT = 1;
const SETTLED = 2;

interface Rec {
  readonly name: string;
  /** The argument tuple (`single`), argument tuples (`spread`), or single arguments (map/imap items). */
  readonly inputs: unknown[] | Float64Array;
  readonly spread: boolean;
  /** One call (`apply`/`submit`): `resolve` receives its result, not the array of one result. */
  readonly single: boolean;
  /** Receives the record's results: an array, or a Float64Array when every result is a number (or the one result when `single`). */
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  state: number;
  worker: PoolWorker | undefined;
  seq: number;
  /** Items in this record, for stats. */
  readonly items: number;
  cleanup: (() => void) | undefined;
}

interface PoolWorker {
  readonly id: number;
  readonly index: number;
  readonly generation: number;
  readonly process: Process;
  readonly tasks: Queue<TaskRecord>;
  readonly slot: Int32Array;
  /** Records sent to it and not answered, by seq. */
  readonly records: InFlight<Rec>;
  readonly startedAt: number;
  nextSeq: number;
  sent: number;
  completed: number;
  /** Its task queue was closed by the pool (retiring or closing): its exit is expected. */
  retiring: boolean;
  /** Terminated by the pool (cancel grace, terminate()): its exit is expected. */
  terminatedByPool: boolean;
  exited: Promise<void>;
  /** The parent's end of the worker's port (inputs and results that are not plain data). */
  readonly port: PortLike & { ref?(): void; unref?(): void };
  /** Records answered RESULT_OK_PORT whose values have not come through the port yet (undefined: drop them). */
  readonly awaiting: Map<number, Rec | undefined>;
  /** Values that came through the port before their record. */
  readonly arrived: Map<number, ToParent>;
}

/** Most records in flight on one worker (< CANCEL_WORDS, see slot.ts). */
const WINDOW = CANCEL_WORDS / 2;
/**
 * The seqs of one worker's records run from `first` to `last`: the worker's slot holds seqs in int32
 * words (STARTED, CANCEL[k]), where a seq past 2^31 - 1 reads back negative (crash recovery would
 * re-queue the task that crashed, and cancellations and the cancel grace would never match). A
 * worker that has been sent seq `last` retires as with maxTasksPerChild. Tests lower `first`
 * (through internal.ts) to reach `last` in a few tasks.
 */
export const SEQ_RANGE = { first: 1, last: 2 ** 31 - 1 };
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

const now: () => number =
  typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

function spreadOf(rec: Rec): number {
  return rec.single
    ? INPUTS_CALL
    : rec.spread
      ? 1
      : rec.inputs instanceof Float64Array
        ? INPUTS_F64
        : 0;
}

function defaultProcesses(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const n = nav?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

// Variables, not literals: a bundler must not take the Node worker for an
// asset of a browser bundle (browsers start entry.js, see #spawn).
const WORKER_TS = "./worker.ts";
const WORKER_JS = "./worker.js";

function workerModuleUrl(): string {
  // From sources (tests, tsx) the worker is worker.ts; from the build, worker.js.
  return new URL(import.meta.url.endsWith(".ts") ? WORKER_TS : WORKER_JS, import.meta.url).href;
}

/** What `module` says of a pool whose workers start from a worker entry (the entry knows its tasks). */
const WORKER_ENTRY_MODULE = "(worker entry)";

/**
 * Starts a browser pool worker from entry.js, which a bundler builds with the
 * worker loop inside (the literal pattern Vite and webpack recognise; its
 * options must stay a static object).
 */
function defaultWebEntry(): WebWorker {
  return new Worker(new URL("./entry.js", import.meta.url), { type: "module" });
}

function checkPositiveInt(value: unknown, what: string, optional = true): number | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new RangeError(
      `Pool: ${what} must be an integer from 1 to 2^31-1, got ${describe(value)}`,
    );
  }
  return value;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Pool.${what}: the task name must be the name of an exported function, got ${describe(name)}`,
    );
  }
  return name;
}

const NO_OPTIONS: TaskOptions = Object.freeze({});

function checkTaskOptions(options: unknown, what: string): TaskOptions {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Pool.${what}: options must be an object like { timeout, signal }, got ${describe(options)}`,
    );
  }
  const o = options as TaskOptions;
  // Validates timeout (RangeError) and signal (TypeError) the way every sabkit wait does.
  Deadline.from({ timeout: o.timeout, signal: o.signal }, `Pool.${what} options`);
  return o;
}

function resolveModule(module: unknown, what: string, alternative = ""): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string" && /^[a-z][a-z0-9+.-]+:/i.test(module))
    return new URL(module).href;
  throw new TypeError(
    `${what} must be a module URL (import.meta.url, or new URL("./tasks.js", import.meta.url))${alternative}, ` +
      `got ${describe(module)}`,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: an untyped pool takes any arguments
export type AnyTasks = Record<string, (...args: any[]) => unknown>;

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
  #pending: (Rec | undefined)[] = [];
  #head = 0;
  #queued = 0;
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
  #roomWaiters: (() => void)[] = [];
  #stats = { completed: 0, failed: 0, cancelled: 0, crashed: 0 };
  readonly #initArgs: unknown;
  /** What each worker's Process runs: the worker module's URL, or a function starting a worker entry. */
  readonly #workerTarget: string | (() => WebWorker);

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
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `new Pool(module, options): options must be an object, got ${describe(options)}`,
      );
    }
    this.processes = checkPositiveInt(options.processes, "processes") ?? defaultProcesses();
    checkPositiveInt(options.maxTasksPerChild, "maxTasksPerChild");
    checkPositiveInt(options.chunksize, "chunksize");
    checkPositiveInt(options.maxQueue, "maxQueue");
    checkPositiveInt(options.maxCrashes, "maxCrashes");
    if (
      options.cancelGrace !== undefined &&
      (typeof options.cancelGrace !== "number" || !(options.cancelGrace >= 0))
    ) {
      throw new RangeError(
        `Pool: cancelGrace must be a number of milliseconds >= 0, got ${describe(options.cancelGrace)}`,
      );
    }
    if (
      options.initializer !== undefined &&
      (typeof options.initializer !== "string" || options.initializer === "")
    ) {
      throw new TypeError(
        `Pool: initializer must be the name of an exported function, got ${describe(options.initializer)}`,
      );
    }
    if (options.initArgs !== undefined && !Array.isArray(options.initArgs)) {
      throw new TypeError(`Pool: initArgs must be an array, got ${describe(options.initArgs)}`);
    }
    this.#options = { ...options };
    this.#workerTarget =
      typeof module === "function"
        ? (module as () => WebWorker)
        : options.workerUrl !== undefined
          ? resolveModule(options.workerUrl, "new Pool: options.workerUrl")
          : currentRuntime() === "browser"
            ? defaultWebEntry
            : workerModuleUrl();
    // Shared once (a TypeError naming the path of a function in them); posted to every worker.
    this.#initArgs = share(options.initArgs ?? [], "initArgs");
    this.#results = new Queue<ResultRecord>({ capacity: RESULT_QUEUE_BYTES });
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
    // The record holds the promise's own resolve/reject: no wrapper closures per task.
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
    let rec: Rec | undefined;
    let settled = false;
    const promise = new Promise<TaskResult<M, K>>((resolve, reject) => {
      try {
        rec = this.#enqueueCall(
          name,
          args,
          options,
          (value) => {
            settled = true;
            resolve(value as TaskResult<M, K>);
          },
          (error) => {
            settled = true;
            reject(error);
          },
        );
      } catch (error) {
        settled = true;
        reject(error);
      }
    }) as TaskFuture<TaskResult<M, K>>;
    promise.cancel = () => {
      if (settled || rec === undefined) return false;
      this.#cancel(
        rec,
        new AbortError(undefined, "Pool: the task was cancelled through future.cancel()"),
      );
      return true;
    };
    promise.done = () => settled;
    return promise;
  }

  /** Python's `map`: `name(item)` for every item, results in order. Chunked (automatic chunksize as Python's). */
  async map<K extends TaskName<M>>(
    name: K,
    items: Iterable<TaskItem<M, K>>,
    options?: MapOptions,
  ): Promise<TaskResult<M, K>[]> {
    return this.#mapLike(name, items, options, false, "map") as Promise<TaskResult<M, K>[]>;
  }

  /** Python's `starmap`: `name(...args)` for every argument tuple, results in order. */
  async starmap<K extends TaskName<M>>(
    name: K,
    argsList: Iterable<TaskArgs<M, K>>,
    options?: MapOptions,
  ): Promise<TaskResult<M, K>[]> {
    return this.#mapLike(name, argsList, options, true, "starmap") as Promise<TaskResult<M, K>[]>;
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
    return this.#imap(name, items, options, true, "imap") as AsyncGenerator<
      TaskResult<M, K>,
      void,
      undefined
    >;
  }

  /** Python's `imap_unordered`: as `imap`, results in completion order. */
  imapUnordered<K extends TaskName<M>>(
    name: K,
    items: Iterable<TaskItem<M, K>> | AsyncIterable<TaskItem<M, K>>,
    options?: MapOptions,
  ): AsyncGenerator<TaskResult<M, K>, void, undefined> {
    return this.#imap(name, items, options, false, "imapUnordered") as AsyncGenerator<
      TaskResult<M, K>,
      void,
      undefined
    >;
  }

  /** Resolves when fewer than `maxQueue` tasks wait in the parent (at once without `maxQueue`). */
  async room(options?: WaitOptions): Promise<void> {
    const deadline = Deadline.from(options, "Pool.room options");
    const max = this.#options.maxQueue;
    while (max !== undefined && this.#queued >= max) {
      this.#checkOpen("room");
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError("Pool.room (waiting for the queue to drain)");
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const wake = (): void => {
          clearTimeout(timer);
          deadline.signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.#roomWaiters.push(wake);
        deadline.signal?.addEventListener("abort", wake, { once: true });
        if (!deadline.forever) timer = setTimeout(wake, deadline.remainingMs());
      });
    }
  }

  /** Counts, queue depth, per-worker utilization (and the histogram with `histogram: true`). */
  stats(): PoolStats {
    const t = now();
    const workers: WorkerStats[] = [];
    let histogram: number[] | undefined;
    for (const w of this.#workers) {
      if (w === undefined) continue;
      const s = readSlotStats(w.slot);
      workers.push({
        index: w.index,
        generation: w.generation,
        threadId: w.process.threadId,
        completed: w.completed,
        busyMs: s.busyMs,
        utilization: Math.min(1, s.busyMs / Math.max(1, t - w.startedAt)),
      });
      if (this.#options.histogram === true) {
        histogram ??= new Array(s.histogram.length).fill(0);
        for (let b = 0; b < s.histogram.length; b++) histogram[b]! += s.histogram[b]!;
      }
    }
    return {
      ...this.#stats,
      queued: this.#queued,
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
    for (const w of this.#workers) {
      if (w === undefined) continue;
      w.terminatedByPool = true;
      w.process.terminate();
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
      const live = this.#workers.filter((w): w is PoolWorker => w !== undefined);
      if (live.length === 0) return;
      deadline.throwIfAborted();
      if (deadline.expired)
        throw deadline.timeoutError("Pool.join (waiting for the workers to exit)");
      await Promise.race([
        Promise.all(live.map((w) => w.exited)),
        new Promise((resolve) => {
          const timer = setTimeout(resolve, deadline.forever ? 1000 : deadline.remainingMs(1000));
          deadline.signal?.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              resolve(undefined);
            },
            { once: true },
          );
        }),
      ]);
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
  ): Rec {
    checkName(name, "apply");
    if (!Array.isArray(args)) {
      throw new TypeError(`Pool.apply: args must be an array of arguments, got ${describe(args)}`);
    }
    const o = checkTaskOptions(options, "apply");
    this.#checkOpen("apply");
    if (this.#options.maxQueue !== undefined && this.#queued >= this.#options.maxQueue) {
      throw new FullError(
        `Pool.apply: ${this.#queued} tasks are waiting (maxQueue ${this.#options.maxQueue}); await pool.room() before submitting more`,
      );
    }
    return this.#enqueue(name as string, args, true, resolve, reject, o, true);
  }

  #enqueue(
    name: string,
    inputs: unknown[] | Float64Array,
    spread: boolean,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    options: TaskOptions,
    single = false,
  ): Rec {
    const rec: Rec = {
      name,
      inputs,
      spread,
      single,
      resolve,
      reject,
      state: PENDING,
      worker: undefined,
      seq: 0,
      items: single ? 1 : inputs.length,
      cleanup: undefined,
    };
    const { signal, timeout } = options;
    if (signal !== undefined || timeout !== undefined) {
      if (signal?.aborted) {
        rec.state = SETTLED;
        this.#stats.cancelled += rec.items;
        reject(new AbortError(signal.reason));
        return rec;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => this.#cancel(rec, new AbortError(signal?.reason));
      if (timeout !== undefined) {
        timer = setTimeout(
          () =>
            this.#cancel(
              rec,
              new TimeoutError(
                `Pool: the task "${name}" did not finish within ${timeout} ms; it was cancelled`,
              ),
            ),
          timeout,
        );
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      rec.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
    }
    this.#pending.push(rec);
    this.#queued++;
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
    return rec;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #takePending(): Rec | undefined {
    while (this.#head < this.#pending.length) {
      const rec = this.#pending[this.#head];
      this.#pending[this.#head++] = undefined;
      if (rec !== undefined && rec.state === PENDING) {
        this.#queued--;
        return rec;
      }
    }
    this.#pending = [];
    this.#head = 0;
    return undefined;
  }

  #unshiftPending(recs: Rec[]): void {
    for (let i = recs.length - 1; i >= 0; i--) {
      const rec = recs[i]!;
      rec.state = PENDING;
      rec.worker = undefined;
      if (this.#head > 0) this.#pending[--this.#head] = rec;
      else this.#pending.unshift(rec);
      this.#queued++;
    }
  }

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
    if (this.#queued === 0 || this.#terminated) return;
    const live = this.#workers.filter((w): w is PoolWorker => w !== undefined && !w.retiring);
    if (live.length === 0) return;
    // A share of the outstanding records per worker (so long tasks spread), at least 2 (so a
    // worker has its next record while the parent reads the last result), at most WINDOW.
    const target = Math.min(
      WINDOW,
      Math.max(2, Math.ceil((this.#queued + this.#inFlight) / (live.length * 4))),
    );
    const maxPer = this.#options.maxTasksPerChild;
    let progress = true;
    while (progress && this.#queued > 0) {
      progress = false;
      for (const w of live) {
        if (this.#queued === 0) break;
        if (w.retiring) continue;
        let room = Math.min(target - w.records.size, BATCH_RECORDS, SEQ_RANGE.last - w.nextSeq + 1);
        if (maxPer !== undefined) room = Math.min(room, maxPer - w.sent);
        if (room <= 0) continue;
        const recs: Rec[] = [];
        while (recs.length < room) {
          const rec = this.#takePending();
          if (rec === undefined) break;
          recs.push(rec);
        }
        if (recs.length === 0) break;
        if (this.#send(w, recs)) progress = true;
      }
    }
    this.#wakeRoomWaiters();
    if (this.#inFlight > 0 && !this.#draining) void this.#drainLoop();
  }

  /**
   * Puts `recs` in `w`'s queue, one queue item per record, in one commit (each record encoded on
   * its own: its inputs are cloned apart from other tasks', as a postMessage per task would).
   * False when none fit (the rest go back to the front of the deque).
   */
  #send(w: PoolWorker, recs: Rec[]): boolean {
    const firstSeq = w.nextSeq;
    const records: TaskRecord[] = new Array(recs.length);
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i]!;
      records[i] = [firstSeq + i, rec.name, rec.inputs, spreadOf(rec)];
    }
    let put: number;
    try {
      put = w.tasks.tryPutMany(records);
    } catch {
      // A record cannot be encoded (a function in its arguments) or is larger than the ring: send
      // one by one, until the ring is full (the rest go back to the front of the deque, in order).
      let any = false;
      for (let i = 0; i < recs.length; i++) {
        const sent = this.#sendOne(w, recs[i]!);
        if (sent === "full") {
          this.#unshiftPending(recs.slice(i));
          break;
        }
        if (sent === "sent") any = true;
      }
      return any;
    }
    for (let i = 0; i < put; i++) this.#markSent(w, recs[i]!, firstSeq + i);
    if (put < recs.length) this.#unshiftPending(recs.slice(put));
    return put > 0;
  }

  /** Sends one record: "sent", "full" (the ring has no room; the caller keeps it) or "rejected" (settled). */
  #sendOne(w: PoolWorker, rec: Rec): SendOutcome {
    const seq = w.nextSeq;
    try {
      if (!w.tasks.tryPut([seq, rec.name, rec.inputs, spreadOf(rec)])) return "full";
    } catch (error) {
      // Not encodable into the queue: live primitives or SharedArrayBuffers inside (or larger
      // than the ring). Only then are the inputs walked: they go through the worker's port.
      if (error instanceof TypeError || error instanceof RangeError)
        return this.#sendByPort(w, rec);
      this.#rejectUnsendable(rec, error);
      return "rejected";
    }
    this.#markSent(w, rec, seq);
    return "sent";
  }

  /** Sends `rec` as a record flagged INPUTS_PORT, its inputs `share`d through the worker's port. */
  #sendByPort(w: PoolWorker, rec: Rec): SendOutcome {
    const seq = w.nextSeq;
    let tree: unknown;
    try {
      // `share` names the path of a function or symbol (a TypeError); primitives become handle records.
      tree = rec.single
        ? share(rec.inputs, "args")
        : rec.spread && rec.inputs.length === 1
          ? [share((rec.inputs as unknown[])[0], "args")]
          : share(rec.inputs, rec.spread ? "argsList" : "items");
    } catch (error) {
      this.#rejectUnsendable(rec, error);
      return "rejected";
    }
    if (!w.tasks.tryPut([seq, rec.name, null as never, spreadOf(rec) | INPUTS_PORT])) return "full";
    try {
      w.port.postMessage({ seq, inputs: tree } satisfies ToWorker);
    } catch (error) {
      // The record is in the queue: the worker answers it with this error.
      const reason = new TypeError(
        `Pool: the arguments of task "${rec.name}" cannot be sent to a worker: ${(error as Error)?.message}`,
      );
      w.port.postMessage({ seq, error: serializeError(reason) } satisfies ToWorker);
    }
    this.#markSent(w, rec, seq);
    return "sent";
  }

  #rejectUnsendable(rec: Rec, error: unknown): void {
    rec.state = SETTLED;
    rec.cleanup?.();
    this.#stats.failed += rec.items;
    rec.reject(
      error instanceof TypeError
        ? new TypeError(
            `Pool: the arguments of task "${rec.name}" cannot be sent to a worker: ${error.message}`,
            { cause: error },
          )
        : error,
    );
  }

  /** A message on `w`'s port: the values of a record answered RESULT_OK_PORT. */
  #onPortMessage(w: PoolWorker, message: ToParent): void {
    if (!w.awaiting.has(message.seq)) {
      w.arrived.set(message.seq, message);
      return;
    }
    const rec = w.awaiting.get(message.seq);
    w.awaiting.delete(message.seq);
    if (w.awaiting.size === 0) w.port.unref?.();
    if (rec !== undefined) this.#settleFromPort(rec, message);
  }

  #settleFromPort(rec: Rec, message: ToParent): void {
    reviveAsync<unknown[]>(message.values, "result").then(
      (values) => {
        this.#stats.completed += rec.items;
        rec.resolve(rec.single ? values[0] : values);
      },
      (error) => {
        this.#stats.failed += rec.items;
        rec.reject(error);
      },
    );
  }

  #markSent(w: PoolWorker, rec: Rec, seq: number): void {
    rec.state = SENT;
    rec.worker = w;
    rec.seq = seq;
    w.records.set(rec);
    w.nextSeq = seq + 1;
    w.sent++;
    this.#inFlight++;
    const max = this.#options.maxTasksPerChild;
    if ((max !== undefined && w.sent >= max) || seq >= SEQ_RANGE.last) this.#retire(w);
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
      const w = this.#byId.get(workerId);
      const rec = w?.records.delete(seq);
      if (w === undefined || rec === undefined) continue;
      w.completed++;
      this.#inFlight--;
      this.#crashStreak = 0;
      if (rec.state !== SENT) {
        // Cancelled meanwhile (already rejected); values on their way through the port are dropped.
        if (status === RESULT_OK_PORT && !w.arrived.delete(seq)) w.awaiting.set(seq, undefined);
        continue;
      }
      rec.state = SETTLED;
      rec.cleanup?.();
      if (status === RESULT_OK_PORT) {
        const message = w.arrived.get(seq);
        if (message !== undefined) {
          w.arrived.delete(seq);
          this.#settleFromPort(rec, message);
        } else {
          // The values were posted before the record was put; they are on their way. The port
          // keeps the program alive until they arrive.
          if (w.awaiting.size === 0) w.port.ref?.();
          w.awaiting.set(seq, rec);
        }
      } else if (status === RESULT_VALUE) {
        this.#stats.completed += rec.items;
        rec.resolve(payload);
      } else if (status === RESULT_OK || status === RESULT_OK_F64) {
        this.#stats.completed += rec.items;
        rec.resolve(rec.single ? (payload as unknown[])[0] : payload);
      } else if (status === RESULT_ERROR) {
        this.#stats.failed += rec.items;
        rec.reject(reviveError(payload as SerializedError));
      } else {
        // Skipped by the worker, which saw a cancel we did not make: should not happen.
        this.#stats.cancelled += rec.items;
        rec.reject(new AbortError(undefined, "Pool: the task was cancelled before it started"));
      }
    }
  }

  // ------------------------------------------------------------ cancellation

  #cancel(rec: Rec, error: Error): void {
    if (rec.state === SETTLED) return;
    const wasSent = rec.state === SENT;
    if (rec.state === PENDING) this.#queued--;
    rec.state = SETTLED;
    rec.cleanup?.();
    this.#stats.cancelled += rec.items;
    rec.reject(error);
    this.#wakeRoomWaiters();
    const w = rec.worker;
    if (!wasSent || w === undefined) return;
    cancelRecord(w.slot, rec.seq);
    const grace = this.#options.cancelGrace ?? 1000;
    const timer = setTimeout(() => {
      // Still unanswered and started: the task ignores its cancellation.
      if (w.records.get(rec.seq) === rec && startedSeq(w.slot) === rec.seq && !w.terminatedByPool) {
        w.terminatedByPool = true;
        w.process.terminate();
      }
    }, grace);
    (timer as { unref?: () => void }).unref?.();
  }

  // ------------------------------------------------------------ workers

  #spawn(index: number, generation: number): void {
    const id = this.#nextWorkerId++;
    const tasks = new Queue<TaskRecord>({ capacity: TASK_QUEUE_BYTES });
    const slot = createSlot();
    const channel = new MessageChannel();
    const config: WorkerConfig = {
      module: this.module,
      tasks: tasks.handle,
      results: this.#results.handle,
      slot: slot.handle,
      workerId: id,
      workerIndex: index,
      generation,
      initializer: this.#options.initializer,
      port: channel.port2 as unknown as PortLike,
      histogram: this.#options.histogram === true,
    };
    const process = new Process({
      target: this.#workerTarget,
      export: "runPoolWorker",
      args: [config],
      name: `PoolWorker-${index}.${generation}`,
      daemon: true,
      resourceLimits: this.#options.resourceLimits,
      transfer: [channel.port2],
    });
    process.start();
    this.#workersStarted++;
    const w: PoolWorker = {
      id,
      index,
      generation,
      process,
      tasks,
      slot: slot.i32,
      records: new InFlight<Rec>(CANCEL_WORDS),
      startedAt: now(),
      nextSeq: SEQ_RANGE.first,
      sent: 0,
      completed: 0,
      retiring: false,
      terminatedByPool: false,
      exited: undefined as unknown as Promise<void>,
      port: channel.port1 as unknown as PoolWorker["port"],
      awaiting: new Map(),
      arrived: new Map(),
    };
    if (this.#options.initializer !== undefined) {
      // The initializer's arguments come through the port as seq 0, revived in the worker after
      // the task module is imported (so the kinds of the primitives in them are registered).
      w.port.postMessage({ seq: 0, inputs: this.#initArgs } satisfies ToWorker);
    }
    w.port.onmessage = (event) => this.#onPortMessage(w, event.data as ToParent);
    w.port.unref?.(); // referenced only while values are awaited (see #handleResults)
    w.exited = process.joinAsync().then((code) => this.#onExit(w, code ?? 1));
    this.#workers[index] = w;
    this.#byId.set(id, w);
  }

  #retire(w: PoolWorker): void {
    if (w.retiring) return;
    w.retiring = true;
    // The worker runs what it holds, then sees ClosedError and returns (exit code 0).
    w.tasks.close();
  }

  #maybeRetireAll(): void {
    if (!this.#closed || this.#queued > 0 || this.#inFlight > 0) return;
    for (const w of this.#workers) if (w !== undefined) this.#retire(w);
  }

  #onExit(w: PoolWorker, code: number): void {
    // The worker's last results first: what it answered is not lost.
    this.#drainNow();
    const started = startedSeq(w.slot);
    const crashed: Rec[] = [];
    const requeue: Rec[] = [];
    for (const rec of w.records.values()) (rec.seq <= started ? crashed : requeue).push(rec);
    this.#inFlight -= w.records.size;
    w.records.clear();
    if (this.#workers[w.index] === w) this.#workers[w.index] = undefined;
    this.#byId.delete(w.id);
    const expected = (w.retiring && code === 0) || w.terminatedByPool || this.#terminated;
    const threadId = w.process.threadId ?? w.process.pid ?? w.id;
    const cause = w.process.error ?? undefined;
    for (const rec of crashed) {
      if (rec.state !== SENT) continue;
      rec.state = SETTLED;
      rec.cleanup?.();
      this.#stats.crashed += rec.items;
      rec.reject(
        new WorkerCrashedError(
          threadId,
          code,
          `Pool: worker ${w.index} (thread ${threadId}) exited with code ${code} while running task "${rec.name}"` +
            (cause ? ` (${cause.name}: ${cause.message})` : "") +
            "; the task did not complete. Other tasks of that worker were re-queued",
          { cause },
        ),
      );
    }
    this.#unshiftPending(requeue.filter((rec) => rec.state === SENT));
    this.#closePort(w, threadId, code);
    if (!expected) {
      this.#crashStreak++;
      if (this.#crashStreak >= (this.#options.maxCrashes ?? 8) && this.#broken === undefined) {
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
    }
    const replace =
      !this.#terminated &&
      this.#broken === undefined &&
      (!this.#closed || this.#queued > 0 || this.#inFlight > 0);
    if (replace) this.#spawn(w.index, w.generation + 1);
    this.#flush();
    this.#maybeRetireAll();
  }

  /**
   * Closes the parent's end of an exited worker's port. Values the worker posted before it
   * published their records are delivered first; any still missing a second later are lost
   * with the worker.
   */
  #closePort(w: PoolWorker, threadId: number, code: number): void {
    w.arrived.clear();
    if (w.awaiting.size === 0) {
      w.port.close();
      return;
    }
    setTimeout(() => {
      for (const rec of w.awaiting.values()) {
        if (rec === undefined) continue;
        this.#stats.crashed += rec.items;
        rec.reject(
          new WorkerCrashedError(
            threadId,
            code,
            `Pool: worker ${w.index} exited before the result of task "${rec.name}" reached the parent`,
          ),
        );
      }
      w.awaiting.clear();
      w.port.close();
    }, 1000);
  }

  #failEverything(error: Error): void {
    for (;;) {
      const rec = this.#takePending();
      if (rec === undefined) break;
      rec.state = SETTLED;
      rec.cleanup?.();
      this.#stats.cancelled += rec.items;
      rec.reject(error);
    }
    for (const w of this.#workers) {
      if (w === undefined) continue;
      for (const rec of w.records.values()) {
        if (rec.state !== SENT) continue;
        rec.state = SETTLED;
        rec.cleanup?.();
        this.#stats.cancelled += rec.items;
        rec.reject(error);
      }
    }
    this.#wakeRoomWaiters();
  }

  #wakeRoomWaiters(): void {
    if (this.#roomWaiters.length === 0) return;
    const max = this.#options.maxQueue;
    if (max !== undefined && this.#queued >= max && !this.#closed) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  // ------------------------------------------------------------ map family

  #chunksizeFor(length: number, given: number | undefined): number {
    if (given !== undefined) return given;
    // Python's Pool._map_async: divmod(len, processes * 4), rounded up.
    const chunk = Math.ceil(length / (this.processes * 4));
    return Math.max(1, chunk);
  }

  async #mapLike(
    name: unknown,
    items: unknown,
    options: MapOptions | undefined,
    star: boolean,
    what: string,
  ): Promise<unknown[]> {
    checkName(name, what);
    if (items === null || typeof (items as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new TypeError(
        `Pool.${what}: items must be an iterable (an array, a generator), got ${describe(items)}`,
      );
    }
    const o = checkTaskOptions(options, what);
    const chunksize = checkPositiveInt(options?.chunksize, "chunksize");
    this.#checkOpen(what);
    // An array is read in place (chunks are cut synchronously, below); other iterables are read once.
    const all: ArrayLike<unknown> = Array.isArray(items)
      ? items
      : Array.from(items as Iterable<unknown>);
    const n = all.length;
    if (star) {
      for (let i = 0; i < n; i++) {
        if (!Array.isArray(all[i]))
          throw new TypeError(
            `Pool.starmap: every item must be an argument array, got ${describe(all[i])}`,
          );
      }
    }
    if (n === 0) return [];
    const size = this.#chunksizeFor(n, chunksize);
    // Numbers travel as one Float64Array (each chunk a view of it: its encoding is one copy of
    // its bytes), and every number result comes back the same way.
    let numbers: Float64Array | undefined = !star && n > 8 ? new Float64Array(n) : undefined;
    for (let i = 0; numbers !== undefined && i < n; i++) {
      const item = all[i];
      if (typeof item === "number") numbers[i] = item;
      else numbers = undefined; // not all numbers: the chunks are plain arrays
    }
    const out: unknown[] = new Array(n);
    const { signal, timeout } = o;
    // One listener and one timer for the whole map, not one per chunk (thousands of listeners on
    // the caller's signal would also make Node warn of a leak).
    const chunks: Rec[] = [];
    return new Promise<unknown[]>((resolve, reject) => {
      let remaining = Math.ceil(n / size);
      let failed = false;
      let failure: unknown;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => fail(new AbortError(signal?.reason));
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        failure = error;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        // One chunk failed, or the map was aborted or timed out: cancel the rest (Python's map
        // raises the first error).
        for (const rec of chunks) this.#cancel(rec, error as Error);
        reject(error);
      };
      if (signal?.aborted) {
        this.#stats.cancelled += n;
        fail(new AbortError(signal.reason));
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(
          () =>
            fail(
              new TimeoutError(
                `Pool: the task "${name as string}" did not finish within ${timeout} ms; it was cancelled`,
              ),
            ),
          timeout,
        );
      }
      for (let start = 0; start < n && !failed; start += size) {
        const end = Math.min(n, start + size);
        const inputs =
          numbers !== undefined
            ? numbers.subarray(start, end)
            : Array.prototype.slice.call(all, start, end);
        const rec = this.#enqueue(
          name as string,
          inputs,
          star,
          (result) => {
            const values = result as unknown[] | Float64Array;
            // Each chunk's results go straight to their place in the output (no flat, no copy per chunk).
            for (let i = 0; i < values.length; i++) out[start + i] = values[i];
            if (--remaining === 0 && !failed) {
              clearTimeout(timer);
              signal?.removeEventListener("abort", onAbort);
              resolve(out);
            }
          },
          fail,
          NO_OPTIONS,
        );
        chunks.push(rec);
        // The eager drain inside #enqueue may have failed the map just now.
        if (failed) this.#cancel(rec, failure as Error);
      }
    });
  }

  async *#imap(
    name: unknown,
    items: unknown,
    options: MapOptions | undefined,
    ordered: boolean,
    what: string,
  ): AsyncGenerator<unknown, void, undefined> {
    checkName(name, what);
    const o = checkTaskOptions(options, what);
    const chunksize =
      checkPositiveInt(options?.chunksize, "chunksize") ?? this.#options.chunksize ?? 1;
    const asyncIt = (items as AsyncIterable<unknown>)?.[Symbol.asyncIterator];
    const syncIt = (items as Iterable<unknown>)?.[Symbol.iterator];
    if (items === null || (typeof asyncIt !== "function" && typeof syncIt !== "function")) {
      throw new TypeError(
        `Pool.${what}: items must be an iterable or async iterable, got ${describe(items)}`,
      );
    }
    this.#checkOpen(what);
    const iterator: Iterator<unknown> | AsyncIterator<unknown> =
      typeof asyncIt === "function" ? asyncIt.call(items) : syncIt!.call(items);
    // Chunks sent and not settled: cancelled together on abort or an early stop, through one
    // listener on the caller's signal rather than one per chunk.
    const running = new Set<Rec>();
    const cancelRunning = (error: Error): void => {
      for (const rec of running) this.#cancel(rec, error);
    };
    const { signal } = o;
    const onAbort = (): void => cancelRunning(new AbortError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    // Chunks outstanding at once: keeps every worker busy while memory stays bounded.
    const ahead = Math.max(4 * this.processes, Math.ceil(1024 / chunksize));
    const inOrder: Promise<unknown[] | Float64Array>[] = [];
    const done: (unknown[] | Float64Array)[] = [];
    let failure: { error: unknown } | undefined;
    let outstanding = 0;
    let wake: (() => void) | undefined;
    let exhausted = false;
    // Chunks read and not yet yielded (running, or done and waiting for the consumer).
    const buffered = (): number => (ordered ? inOrder.length : outstanding + done.length);
    const refill = async (): Promise<void> => {
      while (!exhausted && buffered() < ahead) {
        const chunk: unknown[] = [];
        while (chunk.length < chunksize) {
          const next = await iterator.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          chunk.push(next.value);
        }
        if (chunk.length === 0) break;
        outstanding++;
        let rec: Rec | undefined;
        const p = new Promise<unknown[] | Float64Array>((resolve, reject) => {
          rec = this.#enqueue(
            name as string,
            chunk,
            false,
            resolve as (value: unknown) => void,
            reject,
            // The signal is watched once for all chunks (above); the timeout is each chunk's.
            signal?.aborted ? { signal } : { timeout: o.timeout },
          );
        });
        if (rec !== undefined && rec.state !== SETTLED) running.add(rec);
        p.then(
          (values) => {
            if (rec !== undefined) running.delete(rec);
            outstanding--;
            if (!ordered) done.push(values);
            wake?.();
          },
          (error) => {
            if (rec !== undefined) running.delete(rec);
            outstanding--;
            failure ??= { error };
            wake?.();
          },
        );
        if (ordered) inOrder.push(p);
      }
    };
    try {
      await refill();
      for (;;) {
        if (ordered) {
          const next = inOrder.shift();
          if (next === undefined) return;
          const values = await next;
          await refill();
          yield* values;
        } else {
          while (done.length === 0 && failure === undefined && outstanding > 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
          if (failure !== undefined) throw failure.error;
          const values = done.shift();
          if (values === undefined) return;
          await refill();
          yield* values;
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      cancelRunning(new AbortError(undefined, `Pool.${what}: the consumer stopped early`));
      for (const p of inOrder) p.catch(() => {});
      if (!exhausted) await (iterator as AsyncIterator<unknown>).return?.();
    }
  }
}
