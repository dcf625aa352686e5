// pnpm --filter @sabkit/pipe bench — scenarios in bench/README.md.
import { type BenchCase, runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
// One implementation of the ceiling row for queue's and pipe's bulk benches (bench code, not published).
import { bareRingCase } from "../../queue/bench/bare-ring.js";
import { type Connection, Pipe } from "../src/index.js";

const peer = new URL("./peer.worker.ts", import.meta.url);
const ROUND_TRIPS = 1000;
const CHUNK = 64 * 1024;
const TOTAL = 16 * 1024 * 1024; // bytes per timed call
const RING = 1 << 20;

let worker: ScenarioWorker | undefined;
let conn: Connection | undefined;
let channelOpen = false;

async function stop(): Promise<void> {
  if (channelOpen) worker?.worker.postMessage("stop");
  channelOpen = false;
  conn?.close();
  const w = worker;
  worker = undefined;
  conn = undefined;
  await w?.result.catch(() => undefined);
  await w?.terminate();
}

function startChannel(exportName: string, extra: unknown[] = []): () => void {
  return () => {
    // The worker's parentPort and worker.postMessage are the two ports of Node's MessageChannel.
    worker = startWorker(peer, exportName, { args: extra });
    channelOpen = true;
  };
}

function startPipe(exportName: string, capacity: number, extra: unknown[] = []): () => void {
  return () => {
    const [a, b] = Pipe({ capacity });
    conn = a;
    worker = startWorker(peer, exportName, { args: [b.handle, ...extra] });
  };
}

const latency = {
  title: "round-trip latency: small int, main -> worker -> main",
  baseline: "MessageChannel echo",
  note: "One op = one message to a worker and its echo back; the main thread waits for each reply before sending the next.",
  cases: [
    {
      name: "MessageChannel echo",
      ops: ROUND_TRIPS,
      setup: startChannel("channelEcho"),
      teardown: stop,
      run: async () => {
        const port = (worker as ScenarioWorker).worker;
        for (let i = 0; i < ROUND_TRIPS; i++) {
          await new Promise<void>((resolve) => {
            port.once("message", () => resolve());
            port.postMessage(i);
          });
        }
      },
    },
    {
      name: "Connection send/recv",
      ops: ROUND_TRIPS,
      setup: startPipe("pipeEcho", 4096),
      teardown: stop,
      run: () => {
        const c = conn as Connection;
        for (let i = 0; i < ROUND_TRIPS; i++) {
          c.send(i);
          c.recv();
        }
      },
    },
    {
      name: "Connection sendAsync/recvAsync",
      ops: ROUND_TRIPS,
      setup: startPipe("pipeEcho", 4096),
      teardown: stop,
      run: async () => {
        const c = conn as Connection;
        for (let i = 0; i < ROUND_TRIPS; i++) {
          await c.sendAsync(i);
          await c.recvAsync();
        }
      },
    },
  ] satisfies BenchCase[],
};

// The data every byte-stream case moves: TOTAL bytes from one large source, in
// CHUNK-byte messages; receivers write them into their own TOTAL-byte destination.
const source = new Uint8Array(TOTAL).map((_, i) => i * 7);
const target = new Uint8Array(TOTAL);
// The old, in-cache floor: one chunk copied over and over into a ring-sized buffer.
const inCacheChunk = new Uint8Array(CHUNK).fill(1);
// postMessage clones a view's whole ArrayBuffer: give it the same slices as separate buffers.
const sourceChunks = Array.from({ length: TOTAL / CHUNK }, (_, k) =>
  source.slice(k * CHUNK, (k + 1) * CHUNK),
);
const inCacheTarget = new Uint8Array(RING);

const MEMCPY_STREAM = "memcpy of the same stream (dst.set(src), one thread)";
const throughput = {
  title: `byte stream: ${CHUNK / 1024} KiB chunks, main -> worker`,
  baseline: MEMCPY_STREAM,
  note:
    `Rates are bytes per second; ${TOTAL / 2 ** 20} MiB per timed call. Baseline: one thread copies the same ${TOTAL / 2 ** 20} MiB the pipe moves from a ` +
    `${TOTAL / 2 ** 20} MiB source to a ${TOTAL / 2 ** 20} MiB destination, ${CHUNK / 1024} KiB at a time (\`dst.set(src.subarray(at, at + chunk), at)\`). ` +
    `Every case sends successive ${CHUNK / 1024} KiB slices of the same source; the pipe's receivers write into their own ${TOTAL / 2 ** 20} MiB destination ` +
    `(the pipe, a ${RING / 2 ** 20} MiB ring, copies each byte twice, in two threads). The in-cache row is the old floor (one ${CHUNK / 1024} KiB chunk ` +
    `copied over and over into a ${RING / 2 ** 20} MiB buffer), kept for comparison.`,
  cases: [
    {
      name: MEMCPY_STREAM,
      ops: TOTAL,
      run: () => {
        for (let at = 0; at < TOTAL; at += CHUNK) target.set(source.subarray(at, at + CHUNK), at);
      },
    },
    {
      name: "memcpy in-cache (old floor: one chunk, 1 MiB target)",
      ops: TOTAL,
      run: () => {
        for (let at = 0; at < TOTAL; at += CHUNK) inCacheTarget.set(inCacheChunk, at % RING);
      },
    },
    bareRingCase({ source, ringBytes: RING, chunk: CHUNK, ops: TOTAL }),
    {
      name: "MessageChannel postMessage (copy)",
      ops: TOTAL,
      setup: startChannel("channelSink", [TOTAL]),
      teardown: stop,
      run: async () => {
        const port = (worker as ScenarioWorker).worker;
        const done = new Promise<void>((resolve) => port.once("message", () => resolve()));
        for (const chunk of sourceChunks) port.postMessage(chunk);
        await done;
      },
    },
    {
      name: "Connection sendBytes/recvBytesInto",
      ops: TOTAL,
      setup: startPipe("pipeSink", RING, [TOTAL]),
      teardown: stop,
      run: () => {
        const c = conn as Connection;
        for (let at = 0; at < TOTAL; at += CHUNK) c.sendBytes(source, at, CHUNK);
        c.recv();
      },
    },
    {
      name: "WHATWG writable -> readable",
      ops: TOTAL,
      setup: startPipe("streamSink", RING, [TOTAL]),
      teardown: async () => {
        writer?.releaseLock();
        writer = undefined;
        await stop();
      },
      run: async () => {
        const c = conn as Connection;
        writer ??= c.writable.getWriter();
        for (let at = 0; at < TOTAL; at += CHUNK)
          await writer.write(source.subarray(at, at + CHUNK));
        await c.recvAsync();
      },
    },
  ] satisfies BenchCase[],
};
let writer: WritableStreamDefaultWriter<Uint8Array | ArrayBufferView | ArrayBuffer> | undefined;

const only = process.env.SABKIT_BENCH_ONLY;
await runBench(
  "pipe",
  [latency, throughput].filter((g) => !only || g.title.includes(only)),
);
