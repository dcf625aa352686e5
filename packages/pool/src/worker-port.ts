/**
 * The parent's end of one pool worker's MessagePort: what does not go through
 * the queues (and `sendRecord`, which decides that a record's inputs take it). A record whose inputs the task queue cannot carry (live
 * primitives, SharedArrayBuffers, or larger than the ring) has its inputs
 * posted here, `share`d; a result whose values the results queue cannot carry
 * is answered RESULT_OK_PORT and its values come here. The worker posts those
 * values before it puts the record, but the two travel apart, so whichever
 * arrives first waits for the other (`#arrived`, `#awaiting`).
 *
 * The port keeps the program alive only while values are awaited.
 */
import { reviveAsync, share } from "@sabkit/core";
import { serializeError } from "@sabkit/core/internal";
import type { Queue } from "@sabkit/queue";
import {
  INPUTS_PORT,
  INPUTS_TUPLES,
  type PortLike,
  type TaskRecord,
  type ToParent,
  type ToWorker,
} from "./protocol.js";
import { type Submission, settle, type TaskCounts } from "./submission.js";

/** A MessagePort as Node has it: `ref`/`unref` decide whether it keeps the program alive. */
export type ParentPort = PortLike & { ref?(): void; unref?(): void };

/** How long the values of a worker's last results may take to arrive after it exited. */
const LINGER_MS = 1000;

/**
 * The inputs of `task` as `share`d trees (a TypeError naming the path of a function or symbol
 * in them); primitives become handle records, revived live in the worker.
 */
function shareInputs(task: Submission): unknown {
  if (task.isCall) return share(task.inputs, "args");
  if (task.shape === INPUTS_TUPLES && task.inputs.length === 1) {
    return [share((task.inputs as unknown[])[0], "args")];
  }
  return share(task.inputs, task.shape === INPUTS_TUPLES ? "argsList" : "items");
}

/** Why the arguments of `task` cannot be sent (a TypeError says so, the cause kept). */
function unsendable(task: Submission, error: unknown): { readonly unsendable: unknown } {
  if (!(error instanceof TypeError)) return { unsendable: error };
  const message = `Pool: the arguments of task "${task.name}" cannot be sent to a worker: ${error.message}`;
  return { unsendable: new TypeError(message, { cause: error }) };
}

/**
 * Puts the record of `task` as `seq` in a worker's task queue on its own (the batch put refused
 * one of a batch): "sent", "full" (no room in the ring), or why it can never be sent. Inputs the
 * queue's codec refuses (live primitives or SharedArrayBuffers inside, or larger than the ring)
 * are walked only then: `share`d and posted on the port, the record flagged INPUTS_PORT.
 */
export function sendRecord(
  tasks: Queue<TaskRecord>,
  port: WorkerPort,
  task: Submission,
  seq: number,
): "sent" | "full" | { readonly unsendable: unknown } {
  try {
    return tasks.tryPut([seq, task.name, task.inputs, task.shape]) ? "sent" : "full";
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError))
      return unsendable(task, error);
  }
  let tree: unknown;
  try {
    tree = shareInputs(task);
  } catch (error) {
    return unsendable(task, error);
  }
  if (!tasks.tryPut([seq, task.name, null as never, task.shape | INPUTS_PORT])) return "full";
  port.postInputs(seq, task.name, tree);
  return "sent";
}

export class WorkerPort {
  readonly #port: ParentPort;
  readonly #counts: TaskCounts;
  /** Records answered RESULT_OK_PORT whose values have not arrived yet (undefined: drop them). */
  readonly #awaiting = new Map<number, Submission | undefined>();
  /** Values that arrived before their record was answered. */
  readonly #arrived = new Map<number, ToParent>();

  constructor(port: ParentPort, counts: TaskCounts) {
    this.#port = port;
    this.#counts = counts;
    port.onmessage = (event) => this.#onMessage(event.data as ToParent);
    port.unref?.(); // referenced only while values are awaited (see answered)
  }

  /** Posts the initializer's arguments (`share`d), which the worker revives as seq 0. */
  postInitArgs(initArgs: unknown): void {
    this.#port.postMessage({ seq: 0, inputs: initArgs } satisfies ToWorker);
  }

  /** Posts record `seq`'s inputs (`tree`, from shareInputs), or the error the worker answers it with. */
  postInputs(seq: number, name: string, tree: unknown): void {
    try {
      this.#port.postMessage({ seq, inputs: tree } satisfies ToWorker);
    } catch (error) {
      // The record is in the queue: the worker answers it with this error.
      const reason = new TypeError(
        `Pool: the arguments of task "${name}" cannot be sent to a worker: ${(error as Error)?.message}`,
      );
      this.#port.postMessage({ seq, error: serializeError(reason) } satisfies ToWorker);
    }
  }

  /** `task` (closed) was answered RESULT_OK_PORT: it settles once its values are here. */
  answered(task: Submission): void {
    const message = this.#arrived.get(task.seq);
    if (message !== undefined) {
      this.#arrived.delete(task.seq);
      this.#settle(task, message);
      return;
    }
    // The values were posted before the record was put; they are on their way. The port
    // keeps the program alive until they arrive.
    if (this.#awaiting.size === 0) this.#port.ref?.();
    this.#awaiting.set(task.seq, task);
  }

  /** Record `seq` was answered RESULT_OK_PORT after it was cancelled: its values are dropped. */
  dropValues(seq: number): void {
    if (!this.#arrived.delete(seq)) this.#awaiting.set(seq, undefined);
  }

  #onMessage(message: ToParent): void {
    if (!this.#awaiting.has(message.seq)) {
      this.#arrived.set(message.seq, message);
      return;
    }
    const task = this.#awaiting.get(message.seq);
    this.#awaiting.delete(message.seq);
    if (this.#awaiting.size === 0) this.#port.unref?.();
    if (task !== undefined) this.#settle(task, message);
  }

  #settle(task: Submission, message: ToParent): void {
    reviveAsync<unknown[]>(message.values, "result").then(
      (values) => settle(task, this.#counts, "completed", task.isCall ? values[0] : values),
      (error) => settle(task, this.#counts, "failed", error),
    );
  }

  /**
   * The worker exited: closes the port. Values it posted before it published their records are
   * delivered first; a record whose values are still missing LINGER_MS later is rejected with
   * `lost(task)` (they were lost with the worker).
   */
  close(lost: (task: Submission) => Error): void {
    this.#arrived.clear();
    if (this.#awaiting.size === 0) {
      this.#port.close();
      return;
    }
    setTimeout(() => {
      for (const task of this.#awaiting.values()) {
        if (task !== undefined) settle(task, this.#counts, "crashed", lost(task));
      }
      this.#awaiting.clear();
      this.#port.close();
    }, LINGER_MS);
  }
}
