// The page side of test/browser.test.ts: a Queue between the page (async forms)
// and a Web Worker (blocking forms), plus a RingBuffer the other way.
import { Queue, RingBuffer } from "../../src/index.js";

interface Job {
  id: number;
  when: Date;
  tags: Set<string>;
}

(globalThis as { __sabkitResult?: Promise<unknown> }).__sabkitResult = (async () => {
  const jobs = new Queue<Job>({ maxSize: 8 });
  const results = new Queue<{ id: number; doubled: number; tagCount: number }>();
  const ring = new RingBuffer(Float64Array, 64);
  const worker = new Worker("/queue-worker.js", { type: "module" });
  const failed = new Promise<never>((_, reject) => {
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  });
  worker.postMessage({ jobs: jobs.handle, results: results.handle, ring: ring.handle });
  const n = 200;
  const run = (async () => {
    for (let id = 0; id < n; id++)
      await jobs.putAsync({ id, when: new Date(id), tags: new Set(["a", `t${id}`]) });
    jobs.close();
    const received: number[] = [];
    for await (const result of results) {
      if (result.doubled !== result.id * 2 || result.tagCount !== 2)
        throw new Error(`bad result ${JSON.stringify(result)}`);
      received.push(result.id);
    }
    const values: number[] = [];
    const into = new Float64Array(16);
    for (;;) {
      try {
        const got = await ring.popSomeAsync(into, { timeout: 10_000 });
        values.push(...into.subarray(0, got));
      } catch (error) {
        if ((error as Error).name === "ClosedError") break;
        throw error;
      }
    }
    return {
      received: received.length,
      inOrder: received.every((id, i) => id === i),
      ringValues: values.length,
      ringInOrder: values.every((v, i) => v === i),
      crossOriginIsolated,
    };
  })();
  return Promise.race([run, failed]);
})();
