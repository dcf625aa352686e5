// `pnpm demo`: count the words of a generated corpus three ways in one run —
// sabkit shared memory, plain postMessage workers, one thread — with live
// progress, then a table comparing them. `--json` adds the results as one
// JSON line at the end (used by the tests).
import { availableParallelism } from "node:os";
import { generateCorpus, splitChunks } from "./corpus.js";
import { warmUp } from "./count.js";
import { nodePlatform } from "./node-platform.js";
import {
  FLUSH_BYTES,
  type PipelineResult,
  runPostMessage,
  runSabkit,
  runSingleThread,
  sameSummary,
} from "./pipeline.js";
import { ProgressDisplay, summaryTable } from "./report.js";

function numberFromEnv(
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!check(value)) throw new RangeError(`${name} must be ${what}, got "${raw}"`);
  return value;
}

const sizeMb = numberFromEnv(
  "SABKIT_DEMO_SIZE",
  64,
  (n) => n > 0 && n <= 1024,
  "a size in MiB from 0 to 1024 (e.g. 64 or 0.5)",
);
const seed = numberFromEnv(
  "SABKIT_DEMO_SEED",
  42,
  (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff,
  "an integer from 0 to 2^32-1",
);
const workers = numberFromEnv(
  "SABKIT_DEMO_WORKERS",
  availableParallelism(),
  (n) => Number.isInteger(n) && n >= 1 && n <= 64,
  "an integer from 1 to 64",
);
const chunkKb = numberFromEnv(
  "SABKIT_DEMO_CHUNK_KB",
  1024,
  (n) => Number.isInteger(n) && n >= 4,
  "an integer >= 4 (KiB)",
);
const flushKb = numberFromEnv(
  "SABKIT_DEMO_FLUSH_KB",
  FLUSH_BYTES / 1024,
  (n) => Number.isInteger(n) && n >= 1,
  "an integer >= 1 (KiB)",
);
const json = process.argv.includes("--json");

const bytes = Math.floor(sizeMb * 2 ** 20);
const generating = performance.now();
const corpus = new Uint8Array(new SharedArrayBuffer(bytes));
const words = generateCorpus(corpus, seed);
const chunks = splitChunks(corpus, chunkKb * 1024);
console.log(
  `sabkit demo: word count over a ${sizeMb} MiB generated corpus (seed ${seed}, ${words.toLocaleString("en")} words, ` +
    `${chunks.length / 2} chunks of ~${chunkKb} KiB), ${workers} workers, ${availableParallelism()} cores, Node ${process.version}` +
    ` — corpus made in ${(performance.now() - generating).toFixed(0)} ms\n`,
);

warmUp(); // the main thread counts (single thread) and merges: compile that code first
const display = new ProgressDisplay(process.stdout);
const input = { corpus, chunks, workers, flushBytes: flushKb * 1024 };
const results: PipelineResult[] = [];
results.push(await runSabkit(input, nodePlatform, display.update));
results.push(await runPostMessage(input, nodePlatform, display.update));
results.push(await runSingleThread(input, display.update, nodePlatform));

const reference = results[2]!.summary;
console.log(`\n${summaryTable(results)}\n`);
console.log(
  `${reference.totalWords.toLocaleString("en")} words, ${reference.distinctWords.toLocaleString("en")} distinct; top 10: ` +
    reference.top.map(([w, c]) => `${w} ${c.toLocaleString("en")}`).join(", "),
);
const agree = results.every((r) => sameSummary(r.summary, reference));
if (json) console.log(JSON.stringify({ sizeMb, seed, workers, bytes, results }));
if (!agree) {
  console.error("the pipelines disagree: a count was lost or corrupted");
  process.exitCode = 1;
}
