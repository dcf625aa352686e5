// Tight standalone micro-benchmark of RingBuffer's bulk and single-value paths
// against the single-threaded memcpy floors (no harness; best of R runs).
// Run in packages/queue: `npx tsx --conditions=source bench/micro.ts` (SABKIT_MICRO_RUNS=<n>) — see bench/README.md.
import { medianOf, timeRuns } from "@sabkit/bench";
import { startWorker } from "@sabkit/test-utils";
import { RingBuffer } from "../src/index.js";

const peer = new URL("./peer.worker.ts", import.meta.url);
const N = 1 << 20;
const BLOCK = 1024;
const CAPACITY = 1 << 15;
const RUNS = Number(process.env.SABKIT_MICRO_RUNS ?? 15);

function best(times: number[]): number {
  return Math.min(...times);
}
const ns = (ms: number, ops: number) => ((ms * 1e6) / ops).toFixed(3);

const src = new Float64Array(N).map((_, i) => i);
const dst = new Float64Array(N);
const small = new Float64Array(BLOCK).fill(1);
const ringSized = new Float64Array(CAPACITY);

const timeIt = (fn: () => void) => timeRuns(RUNS, fn);

const rows: [string, number[], number][] = [];
rows.push([
  "memcpy stream (src -> dst, 8 MiB each, block by block)",
  timeIt(() => {
    for (let i = 0; i < N; i += BLOCK) dst.set(src.subarray(i, i + BLOCK), i);
  }),
  N,
]);
rows.push([
  "memcpy in-cache (one 8 KiB block into a 256 KiB buffer)",
  timeIt(() => {
    for (let i = 0; i < N; i += BLOCK) ringSized.set(small, i % CAPACITY);
  }),
  N,
]);

async function ringCase(name: string, mode: "bulk" | "single", values: number): Promise<void> {
  const ring = new RingBuffer(Float64Array, CAPACITY);
  const done = new Int32Array(new SharedArrayBuffer(16));
  const worker = startWorker<number[]>(peer, "ringDrain", {
    args: [ring.handle, done, values, mode === "bulk" ? BLOCK : 1, RUNS + 1],
  });
  const times: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t = performance.now();
    if (mode === "bulk") {
      for (let i = 0; i < values; i += BLOCK) ring.pushAll(src.subarray(i, i + BLOCK));
    } else {
      for (let i = 0; i < values; i++) ring.pushValue(i);
    }
    for (;;) {
      const seen = Atomics.load(done, 0);
      if (seen > r) break;
      Atomics.wait(done, 0, seen, 1000);
    }
    if (r > 0) times.push(performance.now() - t); // run 0 warms up
  }
  ring.close();
  const stats = await worker.result;
  await worker.terminate();
  rows.push([name, times, values]);
  console.log(`${name}: consumer stats ${JSON.stringify(stats)}`);
}

await ringCase("RingBuffer pushAll/popSome (1,024-value blocks, src -> dst)", "bulk", N);
await ringCase("RingBuffer pushValue/popValue", "single", 1 << 16);

console.log("\n| case | best ns/value | median ns/value | best M values/s |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, times, ops] of rows) {
  console.log(
    `| ${name} | ${ns(best(times), ops)} | ${ns(medianOf(times), ops)} | ${(ops / best(times) / 1e3).toFixed(1)} |`,
  );
}
