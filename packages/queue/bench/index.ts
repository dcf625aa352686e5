// pnpm --filter @sabkit/queue bench — scenarios in bench/README.md.
import { execFileSync } from "node:child_process";
import { deserialize, serialize } from "node:v8";
import { type BenchCase, type GroupResult, recordTables, runBench } from "@sabkit/bench";
import { bytesCodec, structuredCodec } from "@sabkit/core";
import { type ScenarioWorker, startWorker } from "@sabkit/test-utils";
import { Encoder as CborEncoder } from "cbor-x";
import { Packr } from "msgpackr";
import { RingBuffer as PeerRing } from "ringbuf.js";
import { Queue, RingBuffer } from "../src/index.js";
import { bareRingCase } from "./bare-ring.js";

const peer = new URL("./peer.worker.ts", import.meta.url);
const SMALL_OBJECT = { id: 12345, name: "alpha", tags: ["x", "y"], score: 3.5 };
const BYTES_4K = new Uint8Array(4096).fill(7);
const PAYLOADS = {
  "small int": 42,
  "small object": SMALL_OBJECT,
  "4 KiB bytes": BYTES_4K,
} as const;
type PayloadName = keyof typeof PAYLOADS;
const BATCH = 256;
const RING_VALUES = 1 << 16; // values per timed call, one at a time
const BULK_VALUES = 1 << 20; // values per timed call, in blocks
const BLOCK = 1024;
const RING_CAPACITY = 1 << 15;

let worker: ScenarioWorker | undefined;
let done = new Int32Array(new SharedArrayBuffer(8));
let target = 0;

function messagesFor(payload: PayloadName): number {
  return payload === "4 KiB bytes" ? 1024 : 8192;
}

/** Blocks the main thread until the worker has bumped `done` to `target`. */
function awaitDone(): void {
  for (;;) {
    const seen = Atomics.load(done, 0);
    if (seen >= target) return;
    Atomics.wait(done, 0, seen, 1000);
  }
}

async function stopWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  await w?.terminate();
}

function postCase(payload: PayloadName): BenchCase {
  const n = messagesFor(payload);
  const value = PAYLOADS[payload];
  return {
    name: "postMessage",
    ops: n,
    setup: () => {
      worker = startWorker(peer, "postReceiver", { args: [n] });
    },
    teardown: stopWorker,
    run: () =>
      new Promise<void>((resolve) => {
        worker!.worker.once("message", () => resolve());
        for (let i = 0; i < n; i++) worker!.worker.postMessage(value);
      }),
  };
}

function queueCase(payload: PayloadName, batched: boolean): BenchCase {
  const n = messagesFor(payload);
  const value = PAYLOADS[payload];
  const codec = payload === "4 KiB bytes" ? "bytes" : "structured";
  let queue: Queue<unknown>;
  const batch = new Array(BATCH).fill(value);
  return {
    name: batched ? `Queue putMany/getMany (${BATCH})` : "Queue put/get",
    ops: n,
    setup: () => {
      queue = new Queue<unknown>({
        codec: codec === "bytes" ? (bytesCodec as never) : structuredCodec,
      });
      done = new Int32Array(new SharedArrayBuffer(8));
      target = 0;
      worker = startWorker(peer, "queueConsumer", {
        args: [queue.handle, codec, done, n, batched ? BATCH : 1],
      });
    },
    teardown: async () => {
      queue.close();
      await stopWorker();
    },
    run: () => {
      target++;
      if (batched) for (let i = 0; i < n; i += BATCH) queue.putMany(batch);
      else for (let i = 0; i < n; i++) queue.put(value);
      awaitDone();
    },
  };
}

function throughputGroup(payload: PayloadName) {
  return {
    title: `throughput, main -> worker: ${payload}`,
    baseline: "postMessage",
    note:
      `${messagesFor(payload)} messages per timed call from the main thread to one worker; the call ends when the worker has received them all. ` +
      (payload === "4 KiB bytes"
        ? "Queue uses bytesCodec (a Uint8Array in, a copy out)."
        : "Queue uses the default structuredCodec."),
    cases: [postCase(payload), queueCase(payload, false), queueCase(payload, true)],
  };
}

// ---------------------------------------------------------------- latency

const ROUND_TRIPS = 200;
let request: Queue<number>;
let response: Queue<number>;

const latency = {
  title: "round-trip latency: small int, main -> worker -> main",
  baseline: "postMessage echo",
  note: "One op = one message to a worker and its echo back; the main thread waits for each reply before sending the next.",
  cases: [
    {
      name: "postMessage echo",
      ops: ROUND_TRIPS,
      setup: () => {
        worker = startWorker(peer, "postEcho");
      },
      teardown: stopWorker,
      run: async () => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          await new Promise<void>((resolve) => {
            worker!.worker.once("message", () => resolve());
            worker!.worker.postMessage(i);
          });
        }
      },
    },
    {
      name: "Queue echo (put/get, blocking)",
      ops: ROUND_TRIPS,
      setup: () => {
        request = new Queue<number>();
        response = new Queue<number>();
        worker = startWorker(peer, "queueEcho", { args: [request.handle, response.handle] });
      },
      teardown: async () => {
        request.close();
        await stopWorker();
      },
      run: () => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          request.put(i);
          response.get();
        }
      },
    },
    {
      name: "Queue echo (putAsync/getAsync on main)",
      ops: ROUND_TRIPS,
      setup: () => {
        request = new Queue<number>();
        response = new Queue<number>();
        worker = startWorker(peer, "queueEcho", { args: [request.handle, response.handle] });
      },
      teardown: async () => {
        request.close();
        await stopWorker();
      },
      run: async () => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          await request.putAsync(i);
          await response.getAsync();
        }
      },
    },
  ] satisfies BenchCase[],
};

// ---------------------------------------------------------------- SPSC

let ring: RingBuffer<Float64Array>;
let peerRing: PeerRing;
const one = new Float64Array(1);

function startRing(blockSize: number, every: number) {
  return () => {
    ring = new RingBuffer(Float64Array, RING_CAPACITY);
    done = new Int32Array(new SharedArrayBuffer(8));
    target = 0;
    worker = startWorker(peer, "ringConsumer", { args: [ring.handle, done, every, blockSize] });
  };
}

function startPeerRing(blockSize: number, every: number) {
  return () => {
    const sab = PeerRing.getStorageForCapacity(RING_CAPACITY, Float64Array);
    peerRing = new PeerRing(sab, Float64Array);
    done = new Int32Array(new SharedArrayBuffer(8));
    target = 0;
    worker = startWorker(peer, "peerRingConsumer", { args: [sab, done, every, blockSize] });
  };
}

async function stopRing(): Promise<void> {
  ring?.close();
  Atomics.store(done, 1, 1);
  await stopWorker();
}

const singleValues = {
  title: "SPSC one value at a time: Float64, main -> worker",
  baseline: "postMessage",
  note: `${RING_VALUES} values per timed call, pushed and popped one by one. ringbuf.js has no waits: its consumer spins, then sleeps in 0.1 ms slices.`,
  cases: [
    { ...postCase("small int"), ops: messagesFor("small int") },
    {
      name: "ringbuf.js push/pop (1 element)",
      ops: RING_VALUES,
      setup: startPeerRing(1, RING_VALUES),
      teardown: stopRing,
      run: () => {
        target++;
        for (let i = 0; i < RING_VALUES; i++) {
          one[0] = i;
          while (peerRing.push(one, 1) === 0) {}
        }
        awaitDone();
      },
    },
    {
      name: "RingBuffer pushValue/popValue",
      ops: RING_VALUES,
      setup: startRing(1, RING_VALUES),
      teardown: stopRing,
      run: () => {
        target++;
        for (let i = 0; i < RING_VALUES; i++) ring.pushValue(i);
        awaitDone();
      },
    },
  ] satisfies BenchCase[],
};

// The data the bulk cases move: 2^20 values from one large source into one
// large destination, block by block (the ring cases push `bulkSource` and the
// worker pops into its own destination of the same size).
const bulkSource = new Float64Array(BULK_VALUES).map((_, i) => i);
const bulkTarget = new Float64Array(BULK_VALUES);
// The old, in-cache floor: one 8 KiB block copied over and over into a buffer as large as a ring's storage.
const inCacheBlock = new Float64Array(BLOCK).fill(1);
const inCacheTarget = new Float64Array(RING_CAPACITY);

const bulkBytes = new Uint8Array(bulkSource.buffer);

const MEMCPY_STREAM = "memcpy of the same stream (dst.set(src), one thread)";
const bulkValues = {
  title: `SPSC bulk: ${BLOCK}-value Float64 blocks, main -> worker`,
  baseline: MEMCPY_STREAM,
  note:
    `Rates are values per second; ${BULK_VALUES} values per timed call. Baseline: one thread copies the same ${BULK_VALUES * 8} bytes the rings move, ` +
    `from an ${(BULK_VALUES * 8) / 2 ** 20} MiB source to an ${(BULK_VALUES * 8) / 2 ** 20} MiB destination, ${BLOCK} values (${BLOCK * 8} bytes) at a time ` +
    "(`dst.set(src.subarray(i, i + block), i)`). The rings push the same source blocks and the worker pops into its own destination of the same size; " +
    `each ring holds ${RING_CAPACITY} values and copies every block twice (in, then out), in two threads. The in-cache row is the old floor ` +
    `(the same ${BLOCK * 8}-byte block copied over and over into a ${RING_CAPACITY * 8}-byte buffer, all in L1/L2), kept for comparison.`,
  cases: [
    {
      name: MEMCPY_STREAM,
      ops: BULK_VALUES,
      run: () => {
        for (let i = 0; i < BULK_VALUES; i += BLOCK)
          bulkTarget.set(bulkSource.subarray(i, i + BLOCK), i);
      },
    },
    {
      name: "memcpy in-cache (old floor: one block, 256 KiB target)",
      ops: BULK_VALUES,
      run: () => {
        for (let i = 0; i < BULK_VALUES; i += BLOCK)
          inCacheTarget.set(inCacheBlock, i % RING_CAPACITY);
      },
    },
    bareRingCase({
      source: bulkBytes,
      ringBytes: RING_CAPACITY * 8,
      chunk: BLOCK * 8,
      ops: BULK_VALUES,
    }),
    {
      name: "ringbuf.js push/pop",
      ops: BULK_VALUES,
      setup: startPeerRing(BLOCK, BULK_VALUES),
      teardown: stopRing,
      run: () => {
        target++;
        for (let i = 0; i < BULK_VALUES; i += BLOCK) {
          let sent = 0;
          while (sent < BLOCK) sent += peerRing.push(bulkSource, BLOCK - sent, i + sent);
        }
        awaitDone();
      },
    },
    {
      name: "RingBuffer pushAll/popSome",
      ops: BULK_VALUES,
      setup: startRing(BLOCK, BULK_VALUES),
      teardown: stopRing,
      run: () => {
        target++;
        for (let i = 0; i < BULK_VALUES; i += BLOCK)
          ring.pushAll(bulkSource.subarray(i, i + BLOCK));
        awaitDone();
      },
    },
  ] satisfies BenchCase[],
};

// ---------------------------------------------------------------- codecs

const packr = new Packr({ structuredClone: true, copyBuffers: true, mapsAsObjects: false });
const cbor = new CborEncoder({ structuredClone: true, copyBuffers: true, mapsAsObjects: false });
let sink = 0;
const codecCase = (
  name: string,
  encode: (v: unknown) => Uint8Array,
  decode: (b: Uint8Array) => unknown,
): BenchCase => ({
  name,
  run: () => {
    const bytes = encode(SMALL_OBJECT);
    sink ^= bytes.length;
    sink ^= (decode(bytes) as { id: number }).id;
  },
});

const codecs = {
  title: "codec candidates: encode + decode of the small object",
  baseline: "v8.serialize/deserialize (Node only)",
  note: "Candidates for the default codec (round-trip what structured clone does). msgpackr and cbor-x run in their structured-clone modes.",
  cases: [
    codecCase(
      "v8.serialize/deserialize (Node only)",
      (v) => serialize(v),
      (b) => deserialize(b),
    ),
    codecCase(
      "msgpackr (structuredClone)",
      (v) => packr.pack(v),
      (b) => packr.unpack(b),
    ),
    codecCase(
      "cbor-x (structuredClone)",
      (v) => cbor.encode(v),
      (b) => cbor.decode(b),
    ),
    codecCase(
      "structuredCodec (@sabkit/core, default)",
      (v) => structuredCodec.encode(v),
      (b) => structuredCodec.decode(b),
    ),
  ],
};

// ---------------------------------------------------------------- run

function python(payload: "int" | "object"): number | undefined {
  try {
    const out = execFileSync(
      "python3",
      [new URL("./queue-python.py", import.meta.url).pathname, "200000", payload],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    return (JSON.parse(out.trim()) as { perSecond: number }).perSecond;
  } catch {
    return undefined;
  }
}

const only = process.env.SABKIT_BENCH_ONLY;
const groups = [
  throughputGroup("small int"),
  throughputGroup("small object"),
  throughputGroup("4 KiB bytes"),
  latency,
  singleValues,
  bulkValues,
  codecs,
].filter((g) => !only || g.title.includes(only));

const pythonInt = only ? undefined : python("int");
const pythonObject = only ? undefined : python("object");
const results: GroupResult[] = await runBench("queue", groups);

if (pythonInt !== undefined || pythonObject !== undefined) {
  const rate = (title: string, name: string) =>
    results.find((g) => g.title.includes(title))?.results.find((r) => r.name.startsWith(name))
      ?.opsPerSecond ?? Number.NaN;
  const fmt = (x: number) =>
    x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`;
  const rows = [
    [
      "small int",
      pythonInt,
      rate("small int", "Queue putMany"),
      rate("small int", "Queue put/get"),
    ],
    [
      "small object",
      pythonObject,
      rate("small object", "Queue putMany"),
      rate("small object", "Queue put/get"),
    ],
  ] as const;
  const lines = [
    "### vs Python's multiprocessing.Queue (python3 subprocess in the same run, 200,000 messages)\n",
    "| payload | multiprocessing.Queue | Queue put/get | ratio | Queue putMany/getMany | ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, py, batched, single] of rows) {
    if (py === undefined) continue;
    lines.push(
      `| ${name} | ${fmt(py)} | ${fmt(single)} | ${(single / py).toFixed(1)}× | ${fmt(batched)} | ${(batched / py).toFixed(1)}× |`,
    );
  }
  console.log(lines.join("\n"));
  // Into BENCHMARKS.md after the groups (pnpm bench:report).
  recordTables("queue", lines.join("\n"));
}
if (sink === 0.5) console.log(sink);
