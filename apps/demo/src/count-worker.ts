/**
 * The sabkit pipeline's counter: a `Process` target. It attaches to the
 * shared corpus and the two queues, says it is ready, then takes chunk
 * numbers until the reader closes the queue, counting each chunk straight
 * from shared memory.
 */
import { ClosedError, Queue, type QueueHandle } from "sabkit";
import { countWords, WordTable } from "./count.js";
import type { ChunkCounts } from "./pipeline.js";

/** How long a counter waits for its next chunk before giving up (the reader is gone). */
const IDLE_TIMEOUT_MS = 120_000;

export function countChunks(
  corpusBuffer: SharedArrayBuffer,
  chunks: Int32Array,
  tasksHandle: QueueHandle,
  resultsHandle: QueueHandle,
): void {
  const corpus = new Uint8Array(corpusBuffer);
  const tasks = Queue.from<number>(tasksHandle);
  const results = Queue.from<ChunkCounts>(resultsHandle);
  const table = new WordTable(corpus);
  results.put({ chunk: -1, partial: new Int32Array(0) });
  for (;;) {
    let chunk: number;
    try {
      chunk = tasks.get({ timeout: IDLE_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof ClosedError) return;
      throw error;
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
    table.clear();
    countWords(corpus, start, end, table);
    results.put({ chunk, partial: table.toPartial() });
  }
}
