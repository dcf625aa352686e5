// sabkit demo: the same three-stage pipeline (source -> mix -> sum) over
// shared memory with the wait layer, and over postMessage, in one run.
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { MessageChannel, Worker } from "node:worker_threads";
import { BATCH, createMailbox, MailboxSender } from "./mailbox.js";
import { mix } from "./work.js";

const ITEMS = Number(process.env.SABKIT_DEMO_ITEMS ?? 2_000_000);
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

async function sharedPipeline(): Promise<Outcome> {
  const toSquare = createMailbox();
  const toSum = createMailbox();
  const mixer = new Worker(workerUrl, {
    workerData: { transport: "shared", operation: "mix", input: toSquare, output: toSum },
  });
  const sum = new Worker(workerUrl, {
    workerData: { transport: "shared", operation: "sum", input: toSum },
  });
  const result = finished(sum);
  const mixerDone = finished(mixer);
  await Promise.all([
    new Promise((r) => mixer.once("online", r)),
    new Promise((r) => sum.once("online", r)),
  ]);
  const start = performance.now();
  const sender = new MailboxSender(toSquare);
  for (let i = 0; i < ITEMS; i += BATCH) {
    const slot = sender.claim();
    const length = Math.min(BATCH, ITEMS - i);
    for (let j = 0; j < length; j++) slot[j] = (i + j) % 1000;
    sender.publish(length);
  }
  sender.close();
  const { sum: total = 0, count = 0 } = await result;
  const ms = performance.now() - start;
  await mixerDone;
  await Promise.all([mixer.terminate(), sum.terminate()]);
  return { name: "shared memory (wait layer, batched)", ms, sum: total, count };
}

async function postMessagePipeline(): Promise<Outcome> {
  const first = new MessageChannel();
  const second = new MessageChannel();
  const mixer = new Worker(workerUrl, {
    workerData: {
      transport: "postMessage",
      operation: "mix",
      input: first.port2,
      output: second.port1,
    },
    transferList: [first.port2, second.port1],
  });
  const sum = new Worker(workerUrl, {
    workerData: { transport: "postMessage", operation: "sum", input: second.port2 },
    transferList: [second.port2],
  });
  const result = finished(sum);
  await Promise.all([
    new Promise((r) => mixer.once("online", r)),
    new Promise((r) => sum.once("online", r)),
  ]);
  const start = performance.now();
  for (let i = 0; i < ITEMS; i += BATCH) {
    const batch = new Float64Array(Math.min(BATCH, ITEMS - i));
    for (let j = 0; j < batch.length; j++) batch[j] = (i + j) % 1000;
    first.port1.postMessage(batch, [batch.buffer]);
  }
  first.port1.postMessage(null);
  const { sum: total = 0, count = 0 } = await result;
  const ms = performance.now() - start;
  first.port1.close();
  await Promise.all([mixer.terminate(), sum.terminate()]);
  return { name: "postMessage (same batches, transferred)", ms, sum: total, count };
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
