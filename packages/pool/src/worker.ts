/**
 * The pool worker: the function every pool process runs (the `target` of its
 * `Process`). `runPoolWorker` goes through its steps in order:
 *
 * 1. import the task module (`importWorkerModule`);
 * 2. run the initializer (`runInitializer`), its arguments from the port;
 * 3. take, run and publish (`WorkerLoop.serve`): take batches of task records
 *    from its own task queue and run them one at a time, publishing each
 *    record's result in the pool's results queue (`ResultPublisher`) before
 *    it starts the next (the invariant crash recovery rests on; see
 *    `slot.ts`), until the queue is closed.
 *
 * Idle policy (`take`, `WorkerLoop.#giveTurn`): after the queue runs dry the
 * worker spins briefly (a hand-off costs ~0.1 µs, a blocking wake 20–50 µs),
 * then sleeps in `getManyAsync` (`Atomics.waitAsync`), which also lets the
 * event loop run (timers and promises of the tasks). While busy it gives the
 * event loop a turn every YIELD_EVERY_MS.
 */
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { ClosedError, reviveAsync, share } from "@sabkit/core";
import { reviveError, type SerializedError, serializeError } from "@sabkit/core/internal";
import { importWorkerModule, packageImporter } from "@sabkit/process/internal";
import { Queue } from "@sabkit/queue";
import { RunningTask, setCurrentTask } from "./context.js";
import {
  INPUTS_CALL,
  INPUTS_PORT,
  INPUTS_TUPLES,
  type PortLike,
  RESULT_ERROR,
  RESULT_OK,
  RESULT_OK_F64,
  RESULT_OK_PORT,
  RESULT_SKIPPED,
  RESULT_VALUE,
  type ResultRecord,
  type TaskRecord,
  type ToParent,
  type ToWorker,
  type WorkerConfig,
} from "./protocol.js";
import { isCancelled, markFinished, markStarted, recordRunTime, slotFrom } from "./slot.js";

/** Records taken from the task queue at once (one synchronization). */
const RECORDS_PER_TAKE = 1024;
const IDLE_SPINS = 24;
const YIELD_EVERY_MS = 8;

const now: () => number =
  typeof performance !== "undefined" ? () => performance.now() : () => Date.now();

function turn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((resolve) =>
    immediate !== undefined ? immediate(resolve) : setTimeout(resolve, 0),
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * The next records (in seq order): at once if any are queued, after a short
 * spin if one arrives meanwhile, else after an async sleep. ClosedError once
 * the queue is closed and drained.
 */
async function take(tasks: Queue<TaskRecord>): Promise<TaskRecord[]> {
  let records = tasks.tryGetMany(RECORDS_PER_TAKE);
  for (let spin = 0; spin < IDLE_SPINS && records.length === 0; spin++) {
    spinWait(spin);
    if (tasks.qsize() !== 0 || tasks.closed) records = tasks.tryGetMany(RECORDS_PER_TAKE);
  }
  if (records.length !== 0) return records;
  return tasks.getManyAsync(RECORDS_PER_TAKE);
}

/** serializeError, keeping the class name of a subclass that does not set `name`. */
function serializeTaskError(error: unknown): ReturnType<typeof serializeError> {
  const serialized = serializeError(error);
  const className = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (
    serialized.name === "Error" &&
    typeof className === "string" &&
    className !== "" &&
    className !== "Error"
  ) {
    return { ...serialized, name: className };
  }
  return serialized;
}

/** Longest message or stack kept of an error that could not be sent whole (characters). */
const ERROR_TEXT_MAX = 64 * 1024;

function cutText(text: string): string {
  return text.length <= ERROR_TEXT_MAX ? text : `${text.slice(0, ERROR_TEXT_MAX)}… (cut)`;
}

/** A serialized error reduced to what always fits the results queue: name, code, message and stack cut. */
function plainError(error: SerializedError): SerializedError {
  return {
    name: cutText(String(error.name)),
    message: cutText(String(error.message)),
    stack: typeof error.stack === "string" ? cutText(error.stack) : undefined,
    code: typeof error.code === "string" ? cutText(error.code) : undefined,
    props: {},
    ...(error.nonError === true ? { nonError: true as const } : {}),
  };
}

/** Inputs the parent posts on the port, by seq, whichever arrives first: the message or the record. */
class Mailbox {
  readonly #arrived = new Map<number, ToWorker>();
  readonly #waiting = new Map<number, (message: ToWorker) => void>();
  readonly #discard = new Set<number>();
  /** How revival imports the kinds of primitives the task module did not import (see packageImporter). */
  readonly #importPackage: ((name: string) => Promise<unknown>) | undefined;

  constructor(port: PortLike, importPackage: ((name: string) => Promise<unknown>) | undefined) {
    this.#importPackage = importPackage;
    port.onmessage = (event) => {
      const message = event.data as ToWorker;
      if (this.#discard.delete(message.seq)) return;
      const wake = this.#waiting.get(message.seq);
      if (wake === undefined) this.#arrived.set(message.seq, message);
      else {
        this.#waiting.delete(message.seq);
        wake(message);
      }
    };
  }

  /** The inputs of record `seq`, revived (primitives live). */
  async inputs(seq: number): Promise<unknown> {
    let message = this.#arrived.get(seq);
    if (message === undefined) {
      message = await new Promise<ToWorker>((resolve) => this.#waiting.set(seq, resolve));
    } else this.#arrived.delete(seq);
    if (message.error !== undefined) throw reviveError(message.error);
    return reviveAsync(message.inputs, "args", { importPackage: this.#importPackage });
  }

  /** Record `seq` was skipped: drop its inputs now or when they arrive. */
  drop(seq: number): void {
    if (!this.#arrived.delete(seq)) this.#discard.add(seq);
  }
}

/** Puts each record's result in the results queue, by the port when the queue cannot carry it. */
class ResultPublisher {
  readonly #results: Queue<ResultRecord>;
  readonly #workerId: number;
  readonly #port: PortLike;

  constructor(results: Queue<ResultRecord>, workerId: number, port: PortLike) {
    this.#results = results;
    this.#workerId = workerId;
    this.#port = port;
  }

  publish(result: ResultRecord): void {
    try {
      this.#results.put(result);
    } catch (error) {
      if (error instanceof ClosedError) throw error;
      this.#results.put(this.#fallback(result));
    }
  }

  /** What is published instead of a result the results queue refused. */
  #fallback(result: ResultRecord): ResultRecord {
    const [, seq, status, payload] = result;
    if (status === RESULT_ERROR) {
      // The task's error cannot be encoded (a SharedArrayBuffer among its properties, a
      // message larger than the ring): it stays an error, without its properties and cause.
      return [this.#workerId, seq, RESULT_ERROR, plainError(payload as SerializedError)];
    }
    // The values cannot be encoded into the queue: live primitives or SharedArrayBuffers in
    // them, or larger than the ring. They go through the port (before the record, which
    // tells the parent to expect them); a function or symbol inside is the task's TypeError.
    try {
      // The parent revives an array of values either way.
      const values = share(status === RESULT_VALUE ? [payload] : payload, "result");
      this.#port.postMessage({ seq, values } satisfies ToParent);
      return [this.#workerId, seq, RESULT_OK_PORT, null];
    } catch (shareError) {
      return [this.#workerId, seq, RESULT_ERROR, serializeError(shareError)];
    }
  }
}

/**
 * The results of one chunk (a map or starmap record), item by item. Number results go straight
 * into a Float64Array (sent as one copy of its bytes); the first result that is not a number
 * moves them to a plain array. `run` stops at a result that is a promise, so that one loop
 * serves synchronous tasks without a single await and async ones with one await per item.
 */
class ChunkRun {
  readonly #task: (...args: unknown[]) => unknown;
  readonly #inputs: unknown[] | Float64Array;
  readonly #tuples: boolean;
  #numbers: Float64Array | undefined;
  #values: unknown[] | undefined;
  /** The item that runs next (or whose promise is awaited). */
  #next = 0;

  constructor(
    task: (...args: unknown[]) => unknown,
    inputs: unknown[] | Float64Array,
    tuples: boolean,
  ) {
    this.#task = task;
    this.#inputs = inputs;
    this.#tuples = tuples;
    const n = inputs.length;
    this.#numbers = n > 8 ? new Float64Array(n) : undefined;
    this.#values = this.#numbers === undefined ? new Array(n) : undefined;
  }

  /**
   * Runs the items from the next one on; returns the promise an item returned (the caller awaits
   * it and passes its value to `store`), or undefined once every item has its result.
   */
  run(): PromiseLike<unknown> | undefined {
    const inputs = this.#inputs;
    while (this.#next < inputs.length) {
      const input = inputs[this.#next];
      const value = this.#tuples ? this.#task(...(input as unknown[])) : this.#task(input);
      if (typeof value !== "number" && isThenable(value)) return value;
      this.store(value);
    }
    return undefined;
  }

  /** The result of the next item. */
  store(value: unknown): void {
    const i = this.#next++;
    const numbers = this.#numbers;
    if (numbers !== undefined) {
      if (typeof value === "number") {
        numbers[i] = value;
        return;
      }
      const values: unknown[] = new Array(this.#inputs.length);
      for (let j = 0; j < i; j++) values[j] = numbers[j];
      this.#numbers = undefined;
      this.#values = values;
    }
    this.#values![i] = value;
  }

  result(workerId: number, seq: number): ResultRecord {
    return this.#numbers !== undefined
      ? [workerId, seq, RESULT_OK_F64, this.#numbers]
      : [workerId, seq, RESULT_OK, this.#values];
  }
}

/** Imports the task module's initializer and runs it with the arguments the parent posted as seq 0. */
async function runInitializer(
  module: Record<string, unknown>,
  config: WorkerConfig,
  mailbox: Mailbox,
): Promise<void> {
  if (config.initializer === undefined) return;
  const init = module[config.initializer];
  if (typeof init !== "function") {
    throw new TypeError(
      `Pool initializer "${config.initializer}" is not an exported function of ${config.module}`,
    );
  }
  await init(...((await mailbox.inputs(0)) as unknown[]));
}

/** Takes, runs and publishes the records of one worker, and keeps the account of its busy time. */
class WorkerLoop {
  readonly #config: WorkerConfig;
  readonly #module: Record<string, unknown>;
  readonly #slot: Int32Array;
  readonly #tasks: Queue<TaskRecord>;
  readonly #publisher: ResultPublisher;
  readonly #mailbox: Mailbox;
  readonly #workerId: number;
  /** Milliseconds spent running tasks (published in the slot for stats()). */
  #busyMs = 0;
  /** When the event loop last had a turn. */
  #lastTurn = now();

  constructor(
    config: WorkerConfig,
    module: Record<string, unknown>,
    slot: Int32Array,
    tasks: Queue<TaskRecord>,
    publisher: ResultPublisher,
    mailbox: Mailbox,
  ) {
    this.#config = config;
    this.#module = module;
    this.#slot = slot;
    this.#tasks = tasks;
    this.#publisher = publisher;
    this.#mailbox = mailbox;
    this.#workerId = config.workerId;
  }

  /** Runs every record it is sent, one at a time, until its task queue is closed and drained. */
  async serve(): Promise<void> {
    for (;;) {
      const records = await this.#takeUnlessClosed();
      if (records === undefined) return;
      for (const record of records) {
        const seq = record[0];
        if (isCancelled(this.#slot, seq)) {
          this.#skip(record);
          continue;
        }
        markStarted(this.#slot, seq);
        const started = now();
        const context = new RunningTask(
          this.#slot,
          seq,
          this.#config.workerIndex,
          this.#config.generation,
        );
        setCurrentTask(context);
        let result: ResultRecord;
        try {
          // Only a task that returned a promise (or inputs from the port) costs an await.
          const outcome = this.#execute(record);
          result = outcome instanceof Promise ? await outcome : (outcome as ResultRecord);
        } catch (error) {
          result = [this.#workerId, seq, RESULT_ERROR, serializeTaskError(error)];
        } finally {
          context.end();
          setCurrentTask(undefined);
        }
        const ended = this.#finish(seq, started, result);
        if (ended - this.#lastTurn > YIELD_EVERY_MS) await this.#giveTurn();
      }
    }
  }

  /** The next records, or undefined once the queue is closed (retired by maxTasksPerChild, or the pool closed). */
  async #takeUnlessClosed(): Promise<TaskRecord[] | undefined> {
    try {
      return await take(this.#tasks);
    } catch (error) {
      if (error instanceof ClosedError) return undefined;
      throw error;
    }
  }

  /** A record cancelled before it started: answered SKIPPED, its inputs dropped. */
  #skip(record: TaskRecord): void {
    const seq = record[0];
    if ((record[3] & INPUTS_PORT) !== 0) this.#mailbox.drop(seq);
    this.#publisher.publish([this.#workerId, seq, RESULT_SKIPPED, null]);
  }

  /** Runs one record: its result, at once when the task returned no promise. */
  #execute(record: TaskRecord): ResultRecord | Promise<ResultRecord> {
    if ((record[3] & INPUTS_PORT) === 0)
      return this.#call(record[0], record[1], record[2], record[3]);
    return this.#executeWithPortInputs(record);
  }

  async #executeWithPortInputs(record: TaskRecord): Promise<ResultRecord> {
    const inputs = (await this.#mailbox.inputs(record[0])) as unknown[];
    return this.#call(record[0], record[1], inputs, record[3] & ~INPUTS_PORT);
  }

  #call(
    seq: number,
    name: string,
    inputs: unknown[] | Float64Array,
    shape: number,
  ): ResultRecord | Promise<ResultRecord> {
    const task = this.#module[name];
    if (typeof task !== "function") {
      throw new TypeError(
        `Pool: "${name}" is not an exported function of ${this.#config.module}; ` +
          "export it from the module the pool was created with",
      );
    }
    if (shape === INPUTS_CALL) {
      // One call (apply): its value is the payload as it is, no array around it.
      const value = task(...(inputs as unknown[]));
      if (isThenable(value)) return this.#awaitValue(seq, value);
      return [this.#workerId, seq, RESULT_VALUE, value];
    }
    const chunk = new ChunkRun(
      task as (...args: unknown[]) => unknown,
      inputs,
      shape === INPUTS_TUPLES,
    );
    const awaited = chunk.run();
    if (awaited === undefined) return chunk.result(this.#workerId, seq);
    return this.#finishChunk(seq, chunk, awaited);
  }

  async #awaitValue(seq: number, promise: PromiseLike<unknown>): Promise<ResultRecord> {
    const value = await promise;
    this.#lastTurn = now();
    return [this.#workerId, seq, RESULT_VALUE, value];
  }

  async #finishChunk(
    seq: number,
    chunk: ChunkRun,
    awaited: PromiseLike<unknown>,
  ): Promise<ResultRecord> {
    for (
      let next: PromiseLike<unknown> | undefined = awaited;
      next !== undefined;
      next = chunk.run()
    ) {
      chunk.store(await next);
      this.#lastTurn = now();
    }
    return chunk.result(this.#workerId, seq);
  }

  /** Accounts the record's run time, publishes its result, then marks it finished; returns the time. */
  #finish(seq: number, started: number, result: ResultRecord): number {
    const ended = now();
    this.#busyMs += ended - started;
    // Before the result is published: a parent that has the result sees the run time in stats().
    recordRunTime(this.#slot, this.#busyMs, ended - started, this.#config.histogram);
    this.#publisher.publish(result);
    markFinished(this.#slot, seq);
    return ended;
  }

  /** Timers and unhandled rejections of tasks (which end the worker) get their turn. */
  async #giveTurn(): Promise<void> {
    await turn();
    this.#lastTurn = now();
  }
}

/**
 * Entry point of a pool process.
 *
 * @param loadTasks imports the task module, when a worker entry built it in
 *   (`servePool(() => import("./tasks.js"))` from `@sabkit/pool/worker`); otherwise
 *   it is imported from `config.module`.
 */
export async function runPoolWorker(
  config: WorkerConfig,
  loadTasks?: () => Promise<unknown>,
): Promise<void> {
  const slot = slotFrom(config.slot);
  const tasks = Queue.from<TaskRecord>(config.tasks);
  const results = Queue.from<ResultRecord>(config.results);
  const port = config.port;
  const mailbox = new Mailbox(port, packageImporter(config.module));
  const module = await importWorkerModule(config.module, "task module", loadTasks);
  await runInitializer(module, config, mailbox);
  const publisher = new ResultPublisher(results, config.workerId, port);
  try {
    await new WorkerLoop(config, module, slot, tasks, publisher, mailbox).serve();
  } finally {
    // The port would keep this thread alive.
    port.close();
  }
}
