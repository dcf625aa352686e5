// The page: every way a bundled program meets sabkit, each checked by value.
import { Event, Lock, Pool, Process, Queue, share, TimeoutError } from "sabkit";
import { QuotaError } from "./errors.js";

async function queueWithOwnWorker() {
  const inbox = new Queue();
  const outbox = new Queue();
  const worker = new Worker(new URL("./echo.worker.js", import.meta.url), { type: "module" });
  worker.postMessage(share({ inbox, outbox }));
  for (let n = 1; n <= 200; n++) await inbox.putAsync({ n, label: `item-${n}` });
  await inbox.putAsync(null);
  const got = [];
  for (;;) {
    const item = await outbox.getAsync({ timeout: 10_000 });
    if (item === null) break;
    got.push(item);
  }
  worker.terminate();
  return `${got.length} items, last ${got.at(-1)}`;
}

async function processWithPrimitives() {
  const lock = new Lock();
  const results = new Queue();
  const done = new Event();
  const process = new Process({
    target: () => new Worker(new URL("./child.worker.js", import.meta.url), { type: "module" }),
    export: "child",
    args: [lock, results, done, 5],
  }).start();
  const code = await process.joinAsync({ timeout: 20_000 });
  const squares = [];
  for (let i = 0; i < 5; i++) squares.push(results.get({ timeout: 0 }));
  return `exit ${code}, event ${done.isSet()}, squares ${squares.join(",")}, error ${process.error}`;
}

async function poolWithTasks() {
  const pool = new Pool(
    () => new Worker(new URL("./tasks.worker.js", import.meta.url), { type: "module" }),
    { processes: 2 },
  );
  try {
    const squares = await pool.map("square", [1, 2, 3, 4, 5, 6, 7, 8]);
    const timeout = await pool
      .apply("slow", [])
      .then(String, (error) => `${error instanceof TimeoutError} ${error.name} ${error.code}`);
    const quota = await pool
      .apply("quota", [])
      .then(String, (error) => `${error instanceof QuotaError} ${error.name} ${error.message}`);
    return { squares: squares.join(","), timeout, quota };
  } finally {
    await pool.close();
    await pool.join({ timeout: 10_000 });
  }
}

async function scenario() {
  return {
    waitAsync: typeof Atomics.waitAsync === "function" ? "native" : "fallback",
    queue: await queueWithOwnWorker(),
    process: await processWithPrimitives(),
    pool: await poolWithTasks(),
    names: [new TimeoutError().name, new QuotaError().name].join(","),
  };
}

globalThis.__sabkitResult = scenario();
globalThis.__sabkitResult.then(
  (result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
  },
  (error) => {
    document.getElementById("result").textContent = `failed: ${error?.stack || error}`;
  },
);
