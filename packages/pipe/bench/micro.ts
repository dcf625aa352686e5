// Tight standalone micro-benchmark of the pipe's byte stream against the
// single-threaded memcpy floors (no harness; best and median of R runs).
// Run in packages/pipe: `npx tsx --conditions=source bench/micro.ts` (SABKIT_MICRO_RUNS=<n>) — see bench/README.md.
import { medianOf, timeRuns } from "@sabkit/bench";
import { startWorker } from "@sabkit/test-utils";
import { Pipe } from "../src/index.js";

const peer = new URL("./peer.worker.ts", import.meta.url);
const TOTAL = 16 * 1024 * 1024;
const CHUNK = 64 * 1024;
const RING = 1 << 20;
const RUNS = Number(process.env.SABKIT_MICRO_RUNS ?? 15);

const src = new Uint8Array(TOTAL).map((_, i) => i * 7);
const dst = new Uint8Array(TOTAL);
const chunk = new Uint8Array(CHUNK).fill(1);
const ringSized = new Uint8Array(RING);

const timeIt = (fn: () => void) => timeRuns(RUNS, fn);
const rows: [string, number[]][] = [];
rows.push([
  "memcpy stream (16 MiB src -> 16 MiB dst, 64 KiB at a time)",
  timeIt(() => {
    for (let at = 0; at < TOTAL; at += CHUNK) dst.set(src.subarray(at, at + CHUNK), at);
  }),
]);
rows.push([
  "memcpy in-cache (one 64 KiB chunk into a 1 MiB buffer)",
  timeIt(() => {
    for (let at = 0; at < TOTAL; at += CHUNK) ringSized.set(chunk, at % RING);
  }),
]);

async function pipeCase(
  name: string,
  exportName: string,
  send: (c: import("../src/index.js").Connection) => Promise<void> | void,
) {
  const [a, b] = Pipe({ capacity: RING });
  const worker = startWorker<number>(peer, exportName, {
    args: [b.handle, CHUNK, TOTAL, RUNS + 1],
  });
  const times: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t = performance.now();
    await send(a);
    a.recv();
    if (r > 0) times.push(performance.now() - t);
  }
  a.close();
  await worker.result;
  await worker.terminate();
  rows.push([name, times]);
}
await pipeCase("Connection sendBytes/recvBytesInto (src -> dst)", "pipeDrain", (c) => {
  for (let at = 0; at < TOTAL; at += CHUNK) c.sendBytes(src, at, CHUNK);
});

const fmt = (ms: number) => `${(((TOTAL / ms) * 1e3) / 2 ** 30).toFixed(2)} GiB/s`;
console.log("\n| case | best | median |");
console.log("| --- | ---: | ---: |");
for (const [name, times] of rows) {
  console.log(`| ${name} | ${fmt(Math.min(...times))} | ${fmt(medianOf(times))} |`);
}
