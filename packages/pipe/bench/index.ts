// pnpm --filter @sabkit/pipe bench — scenarios in bench/README.md.
import { type BenchCase, runBench } from "@sabkit/bench";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
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

const source = new Uint8Array(CHUNK).fill(1);
const memcpyTarget = new Uint8Array(RING);

const throughput = {
  title: `byte stream: ${CHUNK / 1024} KiB chunks, main -> worker`,
  baseline: "memcpy (Uint8Array.set, one thread)",
  note:
    `Rates are bytes per second; ${TOTAL / 2 ** 20} MiB per timed call. The memcpy floor copies the same chunks once, in one thread, into a ${RING / 2 ** 20} MiB buffer at successive offsets; ` +
    `the pipe (a ${RING / 2 ** 20} MiB ring) copies each chunk twice (into the ring, then out into the worker's buffer), in two threads.`,
  cases: [
    {
      name: "memcpy (Uint8Array.set, one thread)",
      ops: TOTAL,
      run: () => {
        for (let at = 0; at < TOTAL; at += CHUNK) memcpyTarget.set(source, at % RING);
      },
    },
    {
      name: "MessageChannel postMessage (copy)",
      ops: TOTAL,
      setup: startChannel("channelSink", [TOTAL]),
      teardown: stop,
      run: async () => {
        const port = (worker as ScenarioWorker).worker;
        const done = new Promise<void>((resolve) => port.once("message", () => resolve()));
        for (let at = 0; at < TOTAL; at += CHUNK) port.postMessage(source);
        await done;
      },
    },
    {
      name: "Connection sendBytes/recvBytesInto",
      ops: TOTAL,
      setup: startPipe("pipeSink", RING, [CHUNK, TOTAL]),
      teardown: stop,
      run: () => {
        const c = conn as Connection;
        for (let at = 0; at < TOTAL; at += CHUNK) c.sendBytes(source);
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
        for (let at = 0; at < TOTAL; at += CHUNK) await writer.write(source);
        await c.recvAsync();
      },
    },
  ] satisfies BenchCase[],
};
let writer: WritableStreamDefaultWriter<Uint8Array | ArrayBufferView | ArrayBuffer> | undefined;

await runBench("pipe", [latency, throughput]);
