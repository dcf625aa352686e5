/**
 * The protocol between a pool and its workers: what the parent puts in a
 * worker's task queue, what the worker puts in the pool's results queue, and
 * what the two post on the worker's MessagePort when a record cannot go
 * through the queues.
 *
 * ## A task record (parent -> worker, the worker's task queue)
 *
 * | field  | legal values                                        | meaning                                  |
 * |--------|-----------------------------------------------------|------------------------------------------|
 * | seq    | SEQ_RANGE.first .. SEQ_RANGE.last, +1 per record     | the record's number on that worker       |
 * | name   | a non-empty string                                  | the exported function to run             |
 * | inputs | an array, a Float64Array, or null (INPUTS_PORT set)  | what the function is called with         |
 * | inputs code | one of the INPUTS_* shapes, maybe `| INPUTS_PORT` | how `inputs` is laid out                 |
 *
 * ## A result record (worker -> parent, the results queue)
 *
 * | field    | legal values              | meaning                                           |
 * |----------|---------------------------|---------------------------------------------------|
 * | workerId | the id the pool gave it   | which worker answers                              |
 * | seq      | a seq sent to that worker | which record it answers                           |
 * | status   | one of the RESULT_* codes | how the record ended                              |
 * | payload  | by status (see below)     | the values, the one value, an error, or nothing   |
 *
 * Everything read from a queue or a port is input from another thread: the
 * parent ignores a result whose worker id or seq it does not hold.
 */
import type { SerializedError } from "@sabkit/core/internal";
import type { QueueHandle } from "@sabkit/queue";
import type { SlotHandle } from "./slot.js";

// ---------------------------------------------------------------- inputs codes

/** A map chunk: the inputs are single arguments, one call each (`name(item)`). */
export const INPUTS_ITEMS = 0;
/** A starmap chunk: the inputs are argument tuples, one call each (`name(...tuple)`). */
export const INPUTS_TUPLES = 1;
/** A map chunk of numbers: the inputs are a Float64Array of single arguments. */
export const INPUTS_F64 = 2;
/** One call (`apply`): the inputs are that call's argument tuple. */
export const INPUTS_CALL = 3;
/**
 * A flag on the shape above: the record's inputs could not be encoded into the task queue
 * (they hold live primitives or SharedArrayBuffers, or are larger than the ring) and come
 * through the worker's port instead, as `share`d trees (a `ToWorker` message with the seq).
 */
export const INPUTS_PORT = 4;

/** The shape of a record's inputs: `INPUTS_ITEMS`, `INPUTS_TUPLES`, `INPUTS_F64` or `INPUTS_CALL`. */
export type InputsShape =
  | typeof INPUTS_ITEMS
  | typeof INPUTS_TUPLES
  | typeof INPUTS_F64
  | typeof INPUTS_CALL;

// ---------------------------------------------------------------- result codes

/** The values of a chunk, as an array (one per input). */
export const RESULT_OK = 0;
/** A serialized error: the task threw (or its inputs or values could not be sent). */
export const RESULT_ERROR = 1;
/** Nothing: the worker skipped the record, which was cancelled before it started. */
export const RESULT_SKIPPED = 2;
/** As RESULT_OK, the values being all numbers, sent as one Float64Array (one copy instead of a decode per value). */
export const RESULT_OK_F64 = 3;
/** As RESULT_OK, the values coming through the port (a `ToParent` message with the seq); the payload is null. */
export const RESULT_OK_PORT = 4;
/** The one value of a call record (INPUTS_CALL), as the payload itself. */
export const RESULT_VALUE = 5;

// ---------------------------------------------------------------- records

/** A task record: `[seq, task name, inputs, inputs code]` (see the table above). */
export type TaskRecord = [
  seq: number,
  name: string,
  inputs: unknown[] | Float64Array,
  inputsCode: number,
];

/** A result record: `[workerId, seq, status, payload]` (see the table above). */
export type ResultRecord = [workerId: number, seq: number, status: number, payload: unknown];

/** What the parent posts on a worker's port: a record's inputs (or why they could not be sent). */
export interface ToWorker {
  readonly seq: number;
  readonly inputs?: unknown;
  readonly error?: SerializedError;
}

/** What a worker posts on its port: a record's values, `share`d (primitives in them stay live). */
export interface ToParent {
  readonly seq: number;
  readonly values: unknown;
}

/** The port both sides talk through (MessagePort in browsers and Node). */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** The worker's start arguments (plain, structured-cloneable). */
export interface WorkerConfig {
  /** The task module's URL (`"(worker entry)"` when the worker entry built it in). */
  readonly module: string;
  readonly tasks: QueueHandle;
  readonly results: QueueHandle;
  readonly slot: SlotHandle;
  readonly workerId: number;
  readonly workerIndex: number;
  readonly generation: number;
  /** Its arguments come through the port as seq 0. */
  readonly initializer: string | undefined;
  readonly histogram: boolean;
  /** The worker's end of its port (transferred at start): inputs and results that are not plain data. */
  readonly port: PortLike;
}
