/**
 * The map family: `map`/`starmap` (every item read at once, results in
 * order, one promise) and `imap`/`imapUnordered` (items read lazily, a
 * bounded number of chunks ahead, results yielded as they arrive). Both cut
 * the items into chunks, one submission each, and watch the caller's signal
 * once for all of them (thousands of listeners on one signal would also make
 * Node warn of a leak).
 *
 * They reach the pool only through `MapHost`: queue a submission, cancel
 * one, count items cancelled before they were queued.
 */
import { AbortError } from "@sabkit/core";
import { describe } from "@sabkit/core/internal";
import { checkName, checkPositiveInt, checkTaskOptions, NO_OPTIONS } from "./checks.js";
import { INPUTS_F64, INPUTS_ITEMS, INPUTS_TUPLES, type InputsShape } from "./protocol.js";
import { SETTLED, Submission, taskTimeoutError } from "./submission.js";
import type { MapOptions, TaskOptions } from "./types.js";

/** What the map family needs of the pool. */
export interface MapHost {
  readonly processes: number;
  /** `PoolOptions.chunksize`: the default of `imap`/`imapUnordered`. */
  readonly defaultChunksize: number | undefined;
  /** Throws when the pool takes no more tasks (closed, terminated, broken). */
  checkOpen(what: string): void;
  /** Queues one chunk (its `resolve` receives its results: an array or a Float64Array). */
  enqueue(task: Submission, options: TaskOptions): void;
  /** Rejects `task` with `error` and cancels it (removed if queued, marked if sent). */
  cancel(task: Submission, error: Error): void;
  /** Counts items cancelled before any was queued (a map whose signal was already aborted). */
  countCancelled(items: number): void;
}

/** Values of one chunk, as the worker sent them. */
type ChunkValues = unknown[] | Float64Array;

// ---------------------------------------------------------------- map, starmap

/** Python's `Pool._map_async` chunk size: divmod(len, processes * 4), rounded up. */
function chunksizeFor(length: number, processes: number): number {
  return Math.max(1, Math.ceil(length / (processes * 4)));
}

/**
 * The items as one Float64Array when there are more than 8 and all are numbers (each chunk is
 * then a view of it, encoded as one copy of its bytes, and every number result comes back the
 * same way); otherwise undefined.
 */
function numbersOf(all: ArrayLike<unknown>, star: boolean): Float64Array | undefined {
  const n = all.length;
  if (star || n <= 8) return undefined;
  const numbers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const item = all[i];
    if (typeof item !== "number") return undefined;
    numbers[i] = item;
  }
  return numbers;
}

/** `map` (`star` false) and `starmap` (`star` true): every result, in order, or the first error. */
export function mapAll(
  host: MapHost,
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
  const taskOptions = checkTaskOptions(options, what);
  const chunksize = checkPositiveInt(options?.chunksize, "chunksize");
  host.checkOpen(what);
  // An array is read in place (chunks are cut synchronously, below); other iterables are read once.
  const all: ArrayLike<unknown> = Array.isArray(items)
    ? items
    : Array.from(items as Iterable<unknown>);
  if (star) {
    for (let i = 0; i < all.length; i++) {
      if (!Array.isArray(all[i]))
        throw new TypeError(
          `Pool.starmap: every item must be an argument array, got ${describe(all[i])}`,
        );
    }
  }
  if (all.length === 0) return Promise.resolve([]);
  const size = chunksize ?? chunksizeFor(all.length, host.processes);
  return new MapRun(host, name as string, taskOptions).start(all, star, size);
}

/** One `map`/`starmap` call: its chunks, its output, and its one abort listener and timer. */
class MapRun {
  readonly #host: MapHost;
  readonly #name: string;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number | undefined;
  readonly #chunks: Submission[] = [];
  #out: unknown[] = [];
  #remaining = 0;
  #failure: { error: unknown } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve: (values: unknown[]) => void = () => {};
  #reject: (error: unknown) => void = () => {};
  readonly #onAbort = (): void => this.#fail(new AbortError(this.#signal?.reason));

  constructor(host: MapHost, name: string, options: TaskOptions) {
    this.#host = host;
    this.#name = name;
    this.#signal = options.signal;
    this.#timeout = options.timeout;
  }

  start(all: ArrayLike<unknown>, star: boolean, size: number): Promise<unknown[]> {
    const promise = new Promise<unknown[]>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const n = all.length;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#host.countCancelled(n);
      this.#fail(new AbortError(signal.reason));
      return promise;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    const timeout = this.#timeout;
    if (timeout !== undefined) {
      this.#timer = setTimeout(() => this.#fail(taskTimeoutError(this.#name, timeout)), timeout);
    }
    this.#out = new Array(n);
    this.#remaining = Math.ceil(n / size);
    this.#sendChunks(all, star, size);
    return promise;
  }

  #sendChunks(all: ArrayLike<unknown>, star: boolean, size: number): void {
    const n = all.length;
    const numbers = numbersOf(all, star);
    const shape: InputsShape =
      numbers !== undefined ? INPUTS_F64 : star ? INPUTS_TUPLES : INPUTS_ITEMS;
    const fail = (error: unknown): void => this.#fail(error);
    for (let start = 0; start < n && this.#failure === undefined; start += size) {
      const end = Math.min(n, start + size);
      const inputs =
        numbers !== undefined
          ? numbers.subarray(start, end)
          : Array.prototype.slice.call(all, start, end);
      const done = (values: unknown): void => this.#chunkDone(start, values as ChunkValues);
      const task = new Submission(this.#name, inputs, shape, done, fail);
      this.#host.enqueue(task, NO_OPTIONS);
      this.#chunks.push(task);
      // The eager drain inside enqueue may have failed the map just now.
      const failure = this.#failed();
      if (failure !== undefined) this.#host.cancel(task, failure.error as Error);
    }
  }

  /** How the map failed, if it did (a call, so that a check after enqueue is not narrowed away). */
  #failed(): { error: unknown } | undefined {
    return this.#failure;
  }

  #chunkDone(start: number, values: ChunkValues): void {
    // Each chunk's results go straight to their place in the output (no flat, no copy per chunk).
    const out = this.#out;
    for (let i = 0; i < values.length; i++) out[start + i] = values[i];
    if (--this.#remaining === 0 && this.#failure === undefined) {
      this.#stopWatching();
      this.#resolve(out);
    }
  }

  /** One chunk failed, or the map was aborted or timed out: cancel the rest (Python's map raises the first error). */
  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = { error };
    this.#stopWatching();
    for (const task of this.#chunks) this.#host.cancel(task, error as Error);
    this.#reject(error);
  }

  #stopWatching(): void {
    clearTimeout(this.#timer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

// ---------------------------------------------------------------- imap, imapUnordered

/** `imap` (`ordered`) and `imapUnordered`: results as they arrive; stopping early cancels the rest. */
export async function* imapResults(
  host: MapHost,
  name: unknown,
  items: unknown,
  options: MapOptions | undefined,
  ordered: boolean,
  what: string,
): AsyncGenerator<unknown, void, undefined> {
  checkName(name, what);
  const taskOptions = checkTaskOptions(options, what);
  const chunksize = checkPositiveInt(options?.chunksize, "chunksize") ?? host.defaultChunksize ?? 1;
  const asyncIt = (items as AsyncIterable<unknown>)?.[Symbol.asyncIterator];
  const syncIt = (items as Iterable<unknown>)?.[Symbol.iterator];
  if (items === null || (typeof asyncIt !== "function" && typeof syncIt !== "function")) {
    throw new TypeError(
      `Pool.${what}: items must be an iterable or async iterable, got ${describe(items)}`,
    );
  }
  host.checkOpen(what);
  const iterator: Iterator<unknown> | AsyncIterator<unknown> =
    typeof asyncIt === "function" ? asyncIt.call(items) : syncIt!.call(items);
  const stream = new ImapStream(host, name as string, iterator, chunksize, taskOptions, ordered);
  try {
    await stream.refill();
    for (;;) {
      const values = await stream.next();
      if (values === undefined) return;
      await stream.refill();
      yield* values;
    }
  } finally {
    await stream.close(what);
  }
}

/** One `imap`/`imapUnordered` call: the chunks read and not yet yielded. */
class ImapStream {
  readonly #host: MapHost;
  readonly #name: string;
  readonly #iterator: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #chunksize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number | undefined;
  readonly #ordered: boolean;
  /** Chunks outstanding at once: keeps every worker busy while memory stays bounded. */
  readonly #ahead: number;
  /** Chunks sent and not settled: cancelled together on abort or an early stop. */
  readonly #running = new Set<Submission>();
  /** Ordered: every chunk read and not yet yielded, in input order. */
  readonly #inOrder: Promise<ChunkValues>[] = [];
  /** Unordered: chunks done and not yet yielded, in completion order. */
  readonly #done: ChunkValues[] = [];
  #failure: { error: unknown } | undefined;
  #outstanding = 0;
  #wake: (() => void) | undefined;
  #exhausted = false;
  readonly #onAbort = (): void => this.#cancelRunning(new AbortError(this.#signal?.reason));

  constructor(
    host: MapHost,
    name: string,
    iterator: Iterator<unknown> | AsyncIterator<unknown>,
    chunksize: number,
    options: TaskOptions,
    ordered: boolean,
  ) {
    this.#host = host;
    this.#name = name;
    this.#iterator = iterator;
    this.#chunksize = chunksize;
    this.#signal = options.signal;
    this.#timeout = options.timeout;
    this.#ordered = ordered;
    this.#ahead = Math.max(4 * host.processes, Math.ceil(1024 / chunksize));
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Chunks read and not yet yielded (running, or done and waiting for the consumer). */
  #buffered(): number {
    return this.#ordered ? this.#inOrder.length : this.#outstanding + this.#done.length;
  }

  /** Reads and sends chunks until `ahead` are buffered or the input ends. */
  async refill(): Promise<void> {
    while (!this.#exhausted && this.#buffered() < this.#ahead) {
      const chunk: unknown[] = [];
      while (chunk.length < this.#chunksize) {
        const next = await this.#iterator.next();
        if (next.done) {
          this.#exhausted = true;
          break;
        }
        chunk.push(next.value);
      }
      if (chunk.length === 0) break;
      this.#send(chunk);
    }
  }

  #send(chunk: unknown[]): void {
    this.#outstanding++;
    const signal = this.#signal;
    let task: Submission | undefined;
    const values = new Promise<ChunkValues>((resolve, reject) => {
      task = new Submission(
        this.#name,
        chunk,
        INPUTS_ITEMS,
        resolve as (value: unknown) => void,
        reject,
      );
      // The signal is watched once for all chunks (above); the timeout is each chunk's.
      this.#host.enqueue(task, signal?.aborted ? { signal } : { timeout: this.#timeout });
    });
    if (task !== undefined && task.state !== SETTLED) this.#running.add(task);
    values.then(
      (chunkValues) => {
        if (task !== undefined) this.#running.delete(task);
        this.#outstanding--;
        if (!this.#ordered) this.#done.push(chunkValues);
        this.#wake?.();
      },
      (error) => {
        if (task !== undefined) this.#running.delete(task);
        this.#outstanding--;
        this.#failure ??= { error };
        this.#wake?.();
      },
    );
    if (this.#ordered) this.#inOrder.push(values);
  }

  /** The next chunk's values to yield (the first in input order, or the first done); undefined at the end. */
  async next(): Promise<ChunkValues | undefined> {
    if (this.#ordered) {
      const next = this.#inOrder.shift();
      return next === undefined ? undefined : await next;
    }
    while (this.#done.length === 0 && this.#failure === undefined && this.#outstanding > 0) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    if (this.#failure !== undefined) throw this.#failure.error;
    return this.#done.shift();
  }

  #cancelRunning(error: Error): void {
    for (const task of this.#running) this.#host.cancel(task, error);
  }

  /** The consumer is done (the input ended, it stopped early, or a chunk failed). */
  async close(what: string): Promise<void> {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#cancelRunning(new AbortError(undefined, `Pool.${what}: the consumer stopped early`));
    for (const values of this.#inOrder) values.catch(() => {});
    if (!this.#exhausted) await (this.#iterator as AsyncIterator<unknown>).return?.();
  }
}
