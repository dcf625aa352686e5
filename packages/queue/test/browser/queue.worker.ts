/// <reference lib="webworker" />
// A Web Worker for test/browser.test.ts: takes jobs with the blocking get,
// answers with put, then pushes 0..999 through the RingBuffer.
import { ClosedError } from "@sabkit/core";
import { Queue, type QueueHandle, RingBuffer, type RingBufferHandle } from "../../src/index.js";

self.onmessage = (
  event: MessageEvent<{ jobs: QueueHandle; results: QueueHandle; ring: RingBufferHandle }>,
) => {
  const jobs = Queue.from<{ id: number; when: Date; tags: Set<string> }>(event.data.jobs);
  const results = Queue.from<{ id: number; doubled: number; tagCount: number }>(event.data.results);
  const ring = RingBuffer.from<Float64Array>(event.data.ring);
  for (;;) {
    let job: { id: number; when: Date; tags: Set<string> };
    try {
      job = jobs.get({ timeout: 10_000 });
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    results.put({ id: job.id, doubled: job.when.getTime() * 2, tagCount: job.tags.size });
  }
  results.close();
  const block = new Float64Array(10);
  for (let start = 0; start < 1000; start += 10) {
    for (let i = 0; i < 10; i++) block[i] = start + i;
    ring.pushAll(block, { timeout: 10_000 });
  }
  ring.close();
};
