/**
 * The pool worker: the function every pool process runs (the `target` of its
 * `Process`). It imports the task module, runs the initializer, then takes
 * batches of task records from its own task queue and runs them one at a
 * time, publishing each record's result in the pool's results queue before it
 * starts the next (the invariant crash recovery rests on; see `slot.ts`).
 *
 * Idle policy: after the queue runs dry the worker spins briefly (a hand-off
 * costs ~0.1 µs, a blocking wake 20–50 µs), then sleeps in `getManyAsync`
 * (`Atomics.waitAsync`), which also lets the event loop run (timers and
 * promises of the tasks). While busy it gives the event loop a turn every
 * few milliseconds.
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
  if (config.initializer !== undefined) {
    const init = module[config.initializer];
    if (typeof init !== "function") {
      throw new TypeError(
        `Pool initializer "${config.initializer}" is not an exported function of ${config.module}`,
      );
    }
    await init(...((await mailbox.inputs(0)) as unknown[]));
  }
  let busyMs = 0;
  let lastTurn = now();
  const { workerId } = config;

  const publish = (result: ResultRecord): void => {
    try {
      results.put(result);
    } catch (error) {
      if (error instanceof ClosedError) throw error;
      let fallback: ResultRecord;
      if (result[2] === RESULT_ERROR) {
        // The task's error cannot be encoded (a SharedArrayBuffer among its properties, a
        // message larger than the ring): it stays an error, without its properties and cause.
        results.put([workerId, result[1], RESULT_ERROR, plainError(result[3] as SerializedError)]);
        return;
      }
      // The values cannot be encoded into the queue: live primitives or SharedArrayBuffers in
      // them, or larger than the ring. They go through the port (before the record, which
      // tells the parent to expect them); a function or symbol inside is the task's TypeError.
      try {
        // The parent revives an array of values either way.
        const values = share(result[2] === RESULT_VALUE ? [result[3]] : result[3], "result");
        port.postMessage({ seq: result[1], values } satisfies ToParent);
        fallback = [workerId, result[1], RESULT_OK_PORT, null];
      } catch (shareError) {
        fallback = [workerId, result[1], RESULT_ERROR, serializeError(shareError)];
      }
      results.put(fallback);
    }
  };

  try {
    for (;;) {
      let records: TaskRecord[];
      try {
        records = await take(tasks);
      } catch (error) {
        if (error instanceof ClosedError) return; // retired (maxTasksPerChild) or the pool closed
        throw error;
      }
      for (const record of records) {
        const seq = record[0];
        const name = record[1];
        const spread = record[3] & ~INPUTS_PORT;
        let inputs = record[2];
        if (isCancelled(slot, seq)) {
          if ((record[3] & INPUTS_PORT) !== 0) mailbox.drop(seq);
          publish([workerId, seq, RESULT_SKIPPED, null]);
          continue;
        }
        markStarted(slot, seq);
        const started = now();
        const context = new RunningTask(slot, seq, config.workerIndex, config.generation);
        setCurrentTask(context);
        let result: ResultRecord;
        try {
          if ((record[3] & INPUTS_PORT) !== 0) inputs = (await mailbox.inputs(seq)) as unknown[];
          const fn = module[name];
          if (typeof fn !== "function") {
            throw new TypeError(
              `Pool: "${name}" is not an exported function of ${config.module}; ` +
                "export it from the module the pool was created with",
            );
          }

          if (spread === INPUTS_CALL) {
            // One call (apply): its value is the payload as it is, no array around it.
            let value = fn(...(inputs as unknown[]));
            if (isThenable(value)) {
              value = await value;
              lastTurn = now();
            }
            result = [workerId, seq, RESULT_VALUE, value];
          } else {
            const n = inputs.length;
            // Number results go straight into a Float64Array (sent as one copy of its bytes); the
            // first result that is not a number moves them to a plain array.
            let numbers: Float64Array | undefined = n > 8 ? new Float64Array(n) : undefined;
            let values: unknown[] | undefined = numbers === undefined ? new Array(n) : undefined;
            for (let i = 0; i < n; i++) {
              let value =
                spread === INPUTS_TUPLES ? fn(...(inputs[i] as unknown[])) : fn(inputs[i]);
              if (typeof value !== "number") {
                if (isThenable(value)) {
                  value = await value;
                  lastTurn = now();
                }
                if (numbers !== undefined && typeof value !== "number") {
                  values = new Array(n);
                  for (let j = 0; j < i; j++) values[j] = numbers[j];
                  numbers = undefined;
                }
              }
              if (numbers !== undefined) numbers[i] = value as number;
              else values![i] = value;
            }
            result =
              numbers !== undefined
                ? [workerId, seq, RESULT_OK_F64, numbers]
                : [workerId, seq, RESULT_OK, values];
          }
        } catch (error) {
          result = [workerId, seq, RESULT_ERROR, serializeTaskError(error)];
        } finally {
          context.end();
          setCurrentTask(undefined);
        }
        const ended = now();
        busyMs += ended - started;
        // Before the result is published: a parent that has the result sees the run time in stats().
        recordRunTime(slot, busyMs, ended - started, config.histogram);
        publish(result);
        markFinished(slot, seq);
        if (ended - lastTurn > YIELD_EVERY_MS) {
          // Timers and unhandled rejections of tasks (which end the worker) get their turn.
          await turn();
          lastTurn = now();
        }
      }
    }
  } finally {
    // The port would keep this thread alive.
    port.close();
  }
}
