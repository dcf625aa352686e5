/**
 * The demo pipeline, three ways, on any platform (Node or a browser page):
 *
 *   reader  ──chunks──▶  counters (workers)  ──partial counts──▶  reducer
 *
 * - **sabkit**: the corpus lives in one SharedArrayBuffer; the reader puts
 *   chunk numbers (a few bytes each) into a bounded sabkit `Queue`; counter
 *   `Process`es read their chunk straight from shared memory (zero copy),
 *   count it and put the partial counts into a results `Queue`; the reducer
 *   merges them. Nothing but small messages moves.
 * - **postMessage**: the same stages on plain workers; each chunk is copied
 *   out of the corpus and transferred to a worker, the partial transferred
 *   back (the usual hand-written worker code).
 * - **single thread**: one loop counts the whole corpus into one table.
 *
 * All three produce a `CountSummary`, which must be identical.
 */
import { Process, Queue, Value } from "sabkit";
import type { CountSummary } from "./count.js";
import { countWords, summarize, WordTable } from "./count.js";

/** A plain worker for the postMessage pipeline (Node `worker_threads` or a browser `Worker`). */
export interface PlainWorker {
  post(message: unknown, transfer: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): Promise<unknown> | undefined | void;
}

/** What differs between Node and browsers: where the worker modules are. */
export interface Platform {
  /** Module of the sabkit counter process (exports `countChunks`). */
  counterTarget: string | URL;
  /** Starts the postMessage pipeline's worker (`plain-worker`). */
  startPlainWorker(): PlainWorker;
  /** CPU time of the whole program, every thread, in ms (Node's process.cpuUsage; browsers have none). */
  cpuTime?: () => number;
}

export interface PipelineInput {
  /** The corpus; for the sabkit pipeline, a view of a whole SharedArrayBuffer. */
  corpus: Uint8Array;
  /** The reader's cut: [start0, end0, start1, end1, ...] (see splitChunks). */
  chunks: Int32Array;
  /** Counter workers. */
  workers: number;
  /** sabkit counters: bytes of text per partial sent to the reducer (default FLUSH_BYTES). */
  flushBytes?: number;
}

export interface QueueDepth {
  name: string;
  depth: number;
  /** Most items it holds (the reader's bound), when bounded. */
  bound?: number;
}

/** A snapshot of a running pipeline, in bytes of corpus per stage. */
export interface Progress {
  pipeline: string;
  elapsedMs: number;
  totalBytes: number;
  /** Handed to the counters by the reader. */
  readBytes: number;
  /** Counted by the counters. */
  countedBytes: number;
  /** Merged by the reducer. */
  mergedBytes: number;
  queues: QueueDepth[];
}

export type ProgressListener = (progress: Progress) => void;

export interface PipelineResult {
  name: string;
  ms: number;
  /** CPU time all threads spent while it ran, in ms (where the platform can tell). */
  cpuMs?: number;
  bytes: number;
  workers: number;
  summary: CountSummary;
}

/** How often a running pipeline reports progress. */
export const PROGRESS_INTERVAL_MS = 100;

const now = () => performance.now();

/** Calls `listener` every PROGRESS_INTERVAL_MS, and once when stopped (the returned function; idempotent), with `snapshot()`. */
function reporting(listener: ProgressListener | undefined, snapshot: () => Progress): () => void {
  if (!listener) return () => {};
  const timer = setInterval(() => listener(snapshot()), PROGRESS_INTERVAL_MS);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    listener(snapshot());
  };
}

function chunkBytes(chunks: Int32Array, index: number): number {
  return chunks[2 * index + 1]! - chunks[2 * index]!;
}

/** Lets timers (progress) and messages run between chunks. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A sabkit counter's result: partial counts and how many bytes of text they cover (-1: "ready"). */
export interface ChunkCounts {
  bytes: number;
  partial: Int32Array;
}

/**
 * Chunks the reader may hand out ahead of the counters, per counter (the
 * sabkit chunk queue's bound, and the chunks in flight per postMessage
 * worker). Deep enough that a counter never waits for a reader that the
 * scheduler has not run yet (on a busy machine the main thread can be late by
 * several chunks, and a waiting counter spins before it sleeps).
 */
export const AHEAD_PER_WORKER = 8;

/** The sabkit counters send their partial counts every this many bytes of text (and at the end). */
export const FLUSH_BYTES = 8 << 20;

const SABKIT_NAME = "sabkit (shared memory)";
const POST_NAME = "postMessage (copied chunks)";
const SINGLE_NAME = "single thread";

/** How long a stage may wait for the next one before the run is declared stuck. */
const STAGE_TIMEOUT_MS = 120_000;

export async function runSabkit(
  input: PipelineInput,
  platform: Platform,
  onProgress?: ProgressListener,
): Promise<PipelineResult> {
  const { corpus, chunks, workers } = input;
  const buffer = corpus.buffer;
  if (
    !(buffer instanceof SharedArrayBuffer) ||
    corpus.byteOffset !== 0 ||
    corpus.length !== buffer.byteLength
  ) {
    throw new TypeError(
      "runSabkit: the corpus must be a Uint8Array over a whole SharedArrayBuffer",
    );
  }
  const chunkCount = chunks.length / 2;
  // Bounded: the reader runs at most AHEAD_PER_WORKER chunks per counter ahead.
  const tasks = new Queue<number>({ maxSize: AHEAD_PER_WORKER * workers, capacity: 4096 });
  const results = new Queue<ChunkCounts>({ capacity: 32 << 20 });
  // Bytes counted so far, added to by every counter (an atomic add, no lock).
  const counted = new Value("int32", 0, { lock: false });
  const processes = Array.from(
    { length: workers },
    (_, i) =>
      new Process({
        target: platform.counterTarget,
        export: "countChunks",
        args: [
          buffer,
          chunks,
          tasks.handle,
          results.handle,
          counted.handle,
          input.flushBytes ?? FLUSH_BYTES,
        ],
        name: `counter-${i + 1}`,
        daemon: true,
      }),
  );
  let readBytes = 0;
  let mergedBytes = 0;
  let totalBytes = 0;
  for (let i = 0; i < chunkCount; i++) totalBytes += chunkBytes(chunks, i);
  let start = now();
  let cpuStart = platform?.cpuTime?.();
  const stopReporting = reporting(onProgress, () => ({
    pipeline: SABKIT_NAME,
    elapsedMs: now() - start,
    totalBytes: corpus.length,
    readBytes,
    countedBytes: counted.value,
    mergedBytes,
    queues: [
      { name: "chunks", depth: tasks.qsize(), bound: tasks.maxSize },
      { name: "results", depth: results.qsize() },
    ],
  }));
  // A counter that dies fails the run instead of leaving the reducer waiting.
  let failed: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  try {
    for (const p of processes) {
      p.start();
      void p.joinAsync().then((code) => {
        if (code !== 0)
          failed(
            new Error(`counter ${p.name} exited with ${code}: ${p.error ?? "no error recorded"}`),
          );
      });
    }
    // Every counter says it is ready (bytes -1) before the clock starts: the
    // table compares pipelines, not worker start-up.
    for (let ready = 0; ready < workers; ) {
      const batch = await Promise.race([
        results.getManyAsync(workers, { timeout: STAGE_TIMEOUT_MS }),
        failure,
      ]);
      ready += batch.length;
    }
    start = now();
    cpuStart = platform?.cpuTime?.();
    const master = new WordTable(corpus);
    const reader = (async () => {
      for (let i = 0; i < chunkCount; i++) {
        await tasks.putAsync(i, { timeout: STAGE_TIMEOUT_MS });
        readBytes += chunkBytes(chunks, i);
      }
      tasks.close(); // counters drain what is left, then see ClosedError and end
    })();
    const reducer = (async () => {
      while (mergedBytes < totalBytes) {
        const batch = await results.getManyAsync(64, { timeout: STAGE_TIMEOUT_MS });
        for (const { bytes, partial } of batch) {
          if (!(bytes > 0 && mergedBytes + bytes <= totalBytes)) {
            throw new RangeError(
              `a counter sent counts for ${bytes} bytes (merged ${mergedBytes} of ${totalBytes})`,
            );
          }
          master.merge(partial);
          mergedBytes += bytes;
        }
      }
    })();
    await Promise.race([Promise.all([reader, reducer]), failure]);
    const ms = now() - start;
    stopReporting(); // the last snapshot at the clock's stop, not after the summary
    const cpuMs = cpuStart === undefined ? undefined : platform!.cpuTime!() - cpuStart;
    const summary = summarize(master);
    return { name: SABKIT_NAME, ms, cpuMs, bytes: corpus.length, workers, summary };
  } finally {
    stopReporting();
    tasks.close();
    for (const p of processes) if (p.isAlive()) p.terminate();
  }
}

/** The plain worker's protocol. */
export type PlainRequest = { chunk: number; base: number; bytes: Uint8Array };
export type PlainReply =
  | { type: "ready" }
  | { type: "counts"; chunk: number; partial: Int32Array }
  | { type: "error"; message: string };

export async function runPostMessage(
  input: PipelineInput,
  platform: Platform,
  onProgress?: ProgressListener,
): Promise<PipelineResult> {
  const { corpus, chunks, workers } = input;
  const chunkCount = chunks.length / 2;
  const started = Array.from({ length: workers }, () => platform.startPlainWorker());
  const inFlight = new Array<number>(workers).fill(0);
  let readBytes = 0;
  let mergedBytes = 0;
  let start = now();
  let cpuStart = platform?.cpuTime?.();
  const stopReporting = reporting(onProgress, () => ({
    pipeline: POST_NAME,
    elapsedMs: now() - start,
    totalBytes: corpus.length,
    readBytes,
    countedBytes: mergedBytes,
    mergedBytes,
    queues: [
      {
        name: "in flight",
        depth: inFlight.reduce((a, b) => a + b, 0),
        bound: AHEAD_PER_WORKER * workers,
      },
    ],
  }));
  try {
    const master = new WordTable(corpus);
    let next = 0;
    let merged = 0;
    let startCounting: () => void = () => {};
    let ready = 0;
    const allReady = new Promise<void>((resolve) => {
      startCounting = resolve;
    });
    const done = new Promise<void>((resolve, reject) => {
      const send = (w: number) => {
        if (next >= chunkCount) return;
        const chunk = next++;
        const begin = chunks[2 * chunk]!;
        // The copy a postMessage pipeline pays: the chunk leaves the corpus.
        const bytes = corpus.slice(begin, chunks[2 * chunk + 1]!);
        inFlight[w]!++;
        readBytes += bytes.length;
        started[w]!.post({ chunk, base: begin, bytes } satisfies PlainRequest, [bytes.buffer]);
      };
      started.forEach((worker, w) => {
        worker.onError((error) =>
          reject(error instanceof Error ? error : new Error(String(error))),
        );
        worker.onMessage((message) => {
          const reply = message as PlainReply;
          if (reply.type === "ready") {
            if (++ready === workers) startCounting();
            return;
          }
          if (reply.type === "error") {
            reject(new Error(`plain worker ${w}: ${reply.message}`));
            return;
          }
          inFlight[w]!--;
          send(w);
          try {
            master.merge(reply.partial);
          } catch (error) {
            reject(error);
            return;
          }
          mergedBytes += chunkBytes(chunks, reply.chunk);
          if (++merged === chunkCount) resolve();
        });
      });
      void allReady.then(() => {
        start = now();
        cpuStart = platform?.cpuTime?.();
        // As many chunks per worker in flight as the sabkit reader runs ahead.
        for (let round = 0; round < AHEAD_PER_WORKER; round++) {
          for (let w = 0; w < workers; w++) send(w);
        }
        if (chunkCount === 0) resolve();
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("postMessage pipeline: no result in time")),
        STAGE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([done, stuck]);
    } finally {
      clearTimeout(timer);
    }
    const ms = now() - start;
    stopReporting(); // the last snapshot at the clock's stop, not after the summary
    const cpuMs = cpuStart === undefined ? undefined : platform!.cpuTime!() - cpuStart;
    return {
      name: POST_NAME,
      ms,
      cpuMs,
      bytes: corpus.length,
      workers,
      summary: summarize(master),
    };
  } finally {
    stopReporting();
    await Promise.all(started.map((w) => w.terminate()));
  }
}

export async function runSingleThread(
  input: PipelineInput,
  onProgress?: ProgressListener,
  platform?: Pick<Platform, "cpuTime">,
): Promise<PipelineResult> {
  const { corpus, chunks } = input;
  const chunkCount = chunks.length / 2;
  let countedBytes = 0;
  const start = now();
  const cpuStart = platform?.cpuTime?.();
  const stopReporting = reporting(onProgress, () => ({
    pipeline: SINGLE_NAME,
    elapsedMs: now() - start,
    totalBytes: corpus.length,
    readBytes: countedBytes,
    countedBytes,
    mergedBytes: countedBytes,
    queues: [],
  }));
  try {
    const table = new WordTable(corpus);
    let lastYield = now();
    for (let i = 0; i < chunkCount; i++) {
      countWords(corpus, chunks[2 * i]!, chunks[2 * i + 1]!, table);
      countedBytes += chunkBytes(chunks, i);
      // Let the progress display run (about every 50 ms, not per chunk).
      if (now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    const ms = now() - start;
    stopReporting(); // the last snapshot at the clock's stop, not after the summary
    const cpuMs = cpuStart === undefined ? undefined : platform!.cpuTime!() - cpuStart;
    return {
      name: SINGLE_NAME,
      ms,
      cpuMs,
      bytes: corpus.length,
      workers: 1,
      summary: summarize(table),
    };
  } finally {
    stopReporting();
  }
}

/** True when every result has the same summary as the first. */
export function sameSummary(a: CountSummary, b: CountSummary): boolean {
  return (
    a.digest === b.digest &&
    a.totalWords === b.totalWords &&
    a.distinctWords === b.distinctWords &&
    JSON.stringify(a.top) === JSON.stringify(b.top)
  );
}

/** The summary table's header; a CPU column when the platform measured CPU time. */
export function summaryHeader(results: PipelineResult[]): string[] {
  const header = ["pipeline", "workers", "time", "MB/s", "vs single thread", "check (digest)"];
  if (results.some((r) => r.cpuMs !== undefined)) header.splice(5, 0, "CPU time");
  return header;
}

/** Rows of the summary table: pipeline, workers, time, MB/s, speedup vs single thread, [CPU], check. */
export function summaryRows(results: PipelineResult[]): string[][] {
  const single = results.find((r) => r.name === SINGLE_NAME) ?? results[results.length - 1]!;
  const reference = single.summary;
  const withCpu = results.some((r) => r.cpuMs !== undefined);
  return results.map((r) => {
    const row = [
      r.name,
      String(r.workers),
      `${r.ms.toFixed(0)} ms`,
      `${(r.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(1)}`,
      `${(single.ms / r.ms).toFixed(2)}×`,
    ];
    if (withCpu) row.push(r.cpuMs === undefined ? "" : `${r.cpuMs.toFixed(0)} ms`);
    row.push(
      sameSummary(r.summary, reference) ? `ok ${r.summary.digest}` : `MISMATCH ${r.summary.digest}`,
    );
    return row;
  });
}
