/**
 * One worker of a pool, as the parent sees it: its `Process`, its task queue,
 * its slot, the records sent to it and not answered, and the parent's end of
 * its port. `startPoolWorker` creates them and starts the process; the pool
 * decides what to send it and what its exit means.
 */
import { currentRuntime } from "@sabkit/atomics-sync-polyfill/internal";
import type { Deadline } from "@sabkit/core/internal";
import { Process, type ResourceLimits, type WebWorker } from "@sabkit/process";
import { Queue } from "@sabkit/queue";
import { resolveModule } from "./checks.js";
import { InFlight } from "./in-flight.js";
import type { PortLike, ResultRecord, TaskRecord, WorkerConfig } from "./protocol.js";
import { CANCEL_WORDS, createSlot, readSlotStats } from "./slot.js";
import type { Submission, TaskCounts } from "./submission.js";
import type { WorkerStats } from "./types.js";
import { type ParentPort, WorkerPort } from "./worker-port.js";

export interface PoolWorker {
  readonly id: number;
  readonly index: number;
  readonly generation: number;
  readonly process: Process;
  readonly tasks: Queue<TaskRecord>;
  readonly slot: Int32Array;
  /** Records sent to it and not answered, by seq. */
  readonly records: InFlight<Submission>;
  readonly startedAt: number;
  nextSeq: number;
  sent: number;
  completed: number;
  /** Its task queue was closed by the pool (retiring or closing): its exit is expected. */
  retiring: boolean;
  /** Terminated by the pool (cancel grace, terminate()): its exit is expected. */
  terminatedByPool: boolean;
  /** Settles once the process has exited and the pool has handled its exit. */
  exited: Promise<void>;
  /** The parent's end of the worker's port (inputs and results that are not plain data). */
  readonly port: WorkerPort;
}

/** What every worker of one pool starts with. */
export interface WorkerSetup {
  /** The task module's URL, or WORKER_ENTRY_MODULE. */
  readonly module: string;
  /** What each worker's Process runs: the worker module's URL, or a function starting a worker entry. */
  readonly target: string | (() => WebWorker);
  readonly results: Queue<ResultRecord>;
  /** The capacity of each worker's task queue, in bytes. */
  readonly taskQueueBytes: number;
  readonly initializer: string | undefined;
  /** The initializer's arguments, `share`d once. */
  readonly initArgs: unknown;
  readonly histogram: boolean;
  readonly resourceLimits: ResourceLimits | undefined;
  /** The pool's task counters (a record whose values come through the port settles there). */
  readonly counts: TaskCounts;
  /** Called once the process has exited, with its exit code. */
  onExit(worker: PoolWorker, code: number): void;
}

/**
 * The seqs of one worker's records run from `first` to `last`: the worker's slot holds seqs in int32
 * words (STARTED, CANCEL[k]), where a seq past 2^31 - 1 reads back negative (crash recovery would
 * re-queue the task that crashed, and cancellations and the cancel grace would never match). A
 * worker that has been sent seq `last` retires as with maxTasksPerChild. Tests lower `first`
 * (through internal.ts) to reach `last` in a few tasks.
 */
export const SEQ_RANGE = { first: 1, last: 2 ** 31 - 1 };

/** What `module` says of a pool whose workers start from a worker entry (the entry knows its tasks). */
export const WORKER_ENTRY_MODULE = "(worker entry)";

export const now: () => number =
  typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

// Variables, not literals: a bundler must not take the Node worker for an
// asset of a browser bundle (browsers start entry.js, see defaultWebEntry).
const WORKER_TS = "./worker.ts";
const WORKER_JS = "./worker.js";

function workerModuleUrl(): string {
  // From sources (tests, tsx) the worker is worker.ts; from the build, worker.js.
  return new URL(import.meta.url.endsWith(".ts") ? WORKER_TS : WORKER_JS, import.meta.url).href;
}

/**
 * Starts a browser pool worker from entry.js, which a bundler builds with the
 * worker loop inside (the literal pattern Vite and webpack recognise; its
 * options must stay a static object).
 */
function defaultWebEntry(): WebWorker {
  return new Worker(new URL("./entry.js", import.meta.url), { type: "module" });
}

/** What each worker's Process runs, from the Pool's `module` argument and `workerUrl` option. */
export function workerTarget(
  module: string | URL | (() => WebWorker),
  workerUrl: string | URL | undefined,
): string | (() => WebWorker) {
  if (typeof module === "function") return module;
  if (workerUrl !== undefined) return resolveModule(workerUrl, "new Pool: options.workerUrl");
  return currentRuntime() === "browser" ? defaultWebEntry : workerModuleUrl();
}

/** Creates worker `id` (at `index`, its `generation`) and starts its process. */
export function startPoolWorker(
  setup: WorkerSetup,
  id: number,
  index: number,
  generation: number,
): PoolWorker {
  const tasks = new Queue<TaskRecord>({ capacity: setup.taskQueueBytes });
  const slot = createSlot();
  const channel = new MessageChannel();
  const config: WorkerConfig = {
    module: setup.module,
    tasks: tasks.handle,
    results: setup.results.handle,
    slot: slot.handle,
    workerId: id,
    workerIndex: index,
    generation,
    initializer: setup.initializer,
    port: channel.port2 as unknown as PortLike,
    histogram: setup.histogram,
  };
  const process = new Process({
    target: setup.target,
    export: "runPoolWorker",
    args: [config],
    name: `PoolWorker-${index}.${generation}`,
    daemon: true,
    resourceLimits: setup.resourceLimits,
    transfer: [channel.port2],
  });
  process.start();
  const worker: PoolWorker = {
    id,
    index,
    generation,
    process,
    tasks,
    slot: slot.i32,
    records: new InFlight<Submission>(CANCEL_WORDS),
    startedAt: now(),
    nextSeq: SEQ_RANGE.first,
    sent: 0,
    completed: 0,
    retiring: false,
    terminatedByPool: false,
    exited: undefined as unknown as Promise<void>,
    port: new WorkerPort(channel.port1 as unknown as ParentPort, setup.counts),
  };
  if (setup.initializer !== undefined) {
    // The initializer's arguments come through the port as seq 0, revived in the worker after
    // the task module is imported (so the kinds of the primitives in them are registered).
    worker.port.postInitArgs(setup.initArgs);
  }
  worker.exited = process.joinAsync().then((code) => setup.onExit(worker, code ?? 1));
  return worker;
}

/**
 * Resolves once every worker of `workers` has exited, or at the latest after `capMs` (or at
 * the deadline, or when its signal aborts): `join` re-checks then.
 */
export function untilExited(
  workers: readonly PoolWorker[],
  deadline: Deadline,
  capMs: number,
): Promise<unknown> {
  return Promise.race([
    Promise.all(workers.map((worker) => worker.exited)),
    new Promise((resolve) => {
      const timer = setTimeout(resolve, deadline.forever ? capMs : deadline.remainingMs(capMs));
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

/** `worker`'s line in `stats()` at time `at`, and its run-time histogram. */
export function workerStats(worker: PoolWorker, at: number): [WorkerStats, number[]] {
  const { busyMs, histogram } = readSlotStats(worker.slot);
  const stats: WorkerStats = {
    index: worker.index,
    generation: worker.generation,
    threadId: worker.process.threadId,
    completed: worker.completed,
    busyMs,
    utilization: Math.min(1, busyMs / Math.max(1, at - worker.startedAt)),
  };
  return [stats, histogram];
}
