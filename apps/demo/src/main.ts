// sabkit demo: the same three-stage pipeline (source -> mix -> sum) over
// shared memory with the wait layer, and over postMessage, in one run.
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { MessageChannel, Worker } from "node:worker_threads";
import { BATCH, createMailbox, MailboxSender } from "./mailbox.js";
import { mix } from "./work.js";

const ITEMS = Number(process.env.SABKIT_DEMO_ITEMS ?? 20_000_000);
if (!Number.isSafeInteger(ITEMS) || ITEMS <= 0) {
  throw new RangeError(
    `SABKIT_DEMO_ITEMS must be a positive integer, got ${process.env.SABKIT_DEMO_ITEMS}`,
  );
}
const workerUrl = new URL("./stage-worker.js", import.meta.url);

interface Outcome {
  name: string;
  ms: number;
  sum: number;
  count: number;
}

function finished(worker: Worker): Promise<{ sum?: number; count?: number }> {
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

/** Mixing workers: the only stage with real work, so the one to run in parallel. */
const MIXERS = 2;

function online(workers: Worker[]): Promise<unknown> {
  return Promise.all(workers.map((w) => new Promise((r) => w.once("online", r))));
}

async function sharedPipeline(): Promise<Outcome> {
  const toMix = Array.from({ length: MIXERS }, createMailbox);
  const toSum = Array.from({ length: MIXERS }, createMailbox);
  const mixers = toMix.map(
    (input, k) =>
      new Worker(workerUrl, {
        workerData: { transport: "shared", operation: "mix", inputs: [input], output: toSum[k] },
      }),
  );
  const sum = new Worker(workerUrl, {
    workerData: { transport: "shared", operation: "sum", inputs: toSum },
  });
  const result = finished(sum);
  const mixersDone = Promise.all(mixers.map(finished));
  await online([...mixers, sum]);
  const start = performance.now();
  const senders = toMix.map((buffer) => new MailboxSender(buffer));
  for (let i = 0, b = 0; i < ITEMS; i += BATCH, b++) {
    const sender = senders[b % MIXERS]!;
    const slot = sender.claim();
    const length = Math.min(BATCH, ITEMS - i);
    for (let j = 0; j < length; j++) slot[j] = (i + j) % 1000;
    sender.publish(length);
  }
  for (const sender of senders) sender.close();
  const { sum: total = 0, count = 0 } = await result;
  const ms = performance.now() - start;
  await mixersDone;
  await Promise.all([...mixers, sum].map((w) => w.terminate()));
  return { name: `shared memory (wait layer, ${MIXERS} mixers)`, ms, sum: total, count };
}

async function postMessagePipeline(): Promise<Outcome> {
  const toMix = Array.from({ length: MIXERS }, () => new MessageChannel());
  const toSum = Array.from({ length: MIXERS }, () => new MessageChannel());
  const mixers = toMix.map(
    (channel, k) =>
      new Worker(workerUrl, {
        workerData: {
          transport: "postMessage",
          operation: "mix",
          inputs: [channel.port2],
          output: toSum[k]!.port1,
        },
        transferList: [channel.port2, toSum[k]!.port1],
      }),
  );
  const sum = new Worker(workerUrl, {
    workerData: { transport: "postMessage", operation: "sum", inputs: toSum.map((c) => c.port2) },
    transferList: toSum.map((c) => c.port2),
  });
  const result = finished(sum);
  await online([...mixers, sum]);
  const start = performance.now();
  for (let i = 0, b = 0; i < ITEMS; i += BATCH, b++) {
    const batch = new Float64Array(Math.min(BATCH, ITEMS - i));
    for (let j = 0; j < batch.length; j++) batch[j] = (i + j) % 1000;
    toMix[b % MIXERS]!.port1.postMessage(batch, [batch.buffer]);
  }
  for (const channel of toMix) channel.port1.postMessage(null);
  const { sum: total = 0, count = 0 } = await result;
  const ms = performance.now() - start;
  for (const channel of toMix) channel.port1.close();
  await Promise.all([...mixers, sum].map((w) => w.terminate()));
  return { name: `postMessage (same batches, ${MIXERS} mixers)`, ms, sum: total, count };
}

function singleThread(): Outcome {
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < ITEMS; i++) {
    sum += mix(i % 1000);
  }
  return { name: "one thread, no pipeline", ms: performance.now() - start, sum, count: ITEMS };
}

function expectedSum(): number {
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += mix(i) * Math.floor(ITEMS / 1000);
  for (let i = ITEMS - (ITEMS % 1000); i < ITEMS; i++) sum += mix(i % 1000);
  return sum;
}

console.log(
  `sabkit demo: source -> mix -> sum over ${ITEMS.toLocaleString("en")} numbers ` +
    `(${cpus().length} cores, Node ${process.version})\n`,
);
const expected = expectedSum();
const outcomes = [await sharedPipeline(), await postMessagePipeline(), singleThread()];
const rows = outcomes.map((o) => [
  o.name,
  `${(((o.count / o.ms) * 1000) / 1e6).toFixed(2)} M`,
  o.ms.toFixed(1),
  o.sum === expected && o.count === ITEMS ? "yes" : `NO (sum ${o.sum}, count ${o.count})`,
]);
const header = ["pipeline", "items/s", "time (ms)", "correct"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));
const shared = outcomes[0]!;
const posted = outcomes[1]!;
console.log(`shared memory vs postMessage: ${(posted.ms / shared.ms).toFixed(2)}× the throughput`);
if (outcomes.some((o) => o.sum !== expected || o.count !== ITEMS)) {
  console.error("a pipeline lost or corrupted numbers");
  process.exit(1);
}
