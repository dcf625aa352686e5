/**
 * The sabkit pipeline's counter: a `Process` target. It attaches to the
 * shared corpus and the queues, says it is ready, then takes chunk numbers
 * until the reader closes the queue, counting each chunk straight from
 * shared memory.
 *
 * Because its table's keys point into the shared corpus (which outlives every
 * chunk), a counter can keep counting into one table across chunks and send
 * its partial counts only every `flushBytes` of text: the reducer merges a
 * few partials instead of one per chunk. (A postMessage worker cannot: its
 * keys point into chunk copies that are gone after each chunk.)
 */
import { ClosedError, Queue, type QueueHandle, Value, type ValueHandle } from "sabkit";
import { countWords, WordTable, warmUp } from "./count.js";
import type { ChunkCounts } from "./pipeline.js";

/** How long a counter waits for its next chunk before giving up (the reader is gone). */
const IDLE_TIMEOUT_MS = 120_000;

export function countChunks(
  corpusBuffer: SharedArrayBuffer,
  chunks: Int32Array,
  tasksHandle: QueueHandle,
  resultsHandle: QueueHandle,
  countedHandle: ValueHandle,
  flushBytes: number,
): void {
  const corpus = new Uint8Array(corpusBuffer);
  const tasks = Queue.from<number>(tasksHandle);
  const results = Queue.from<ChunkCounts>(resultsHandle);
  const counted = Value.from<"int32">(countedHandle);
  const table = new WordTable(corpus);
  let unsent = 0;
  const flush = () => {
    results.put({ bytes: unsent, partial: table.toPartial() });
    table.clear();
    unsent = 0;
  };
  warmUp();
  results.put({ bytes: -1, partial: new Int32Array(0) }); // ready
  for (;;) {
    let chunk: number;
    try {
      chunk = tasks.get({ timeout: IDLE_TIMEOUT_MS });
    } catch (error) {
      if (!(error instanceof ClosedError)) throw error;
      if (unsent > 0) flush();
      return;
    }
    const start = chunks[2 * chunk];
    const end = chunks[2 * chunk + 1];
    if (
      start === undefined ||
      end === undefined ||
      start < 0 ||
      end > corpus.length ||
      start > end
    ) {
      throw new RangeError(`counter: chunk ${chunk} is not one of the ${chunks.length / 2} chunks`);
    }
    countWords(corpus, start, end, table);
    counted.add(end - start); // the live "counters" figure
    unsent += end - start;
    if (unsent >= flushBytes) flush();
  }
}
