// The browser test page: Pool on module Web Workers, on a COOP/COEP page.
// Served files: /page.js (this), /entry.js (the pool's default worker entry, which Pool starts
// next to its own module: new URL("./entry.js", import.meta.url)), /tasks.js (the task module,
// imported by URL), /tasks-entry.js (a worker entry of the program's own, tasks built in).
import { ClosedError } from "@sabkit/core";
import { Lock } from "@sabkit/lock";
import { Pool } from "../../src/index.js";

type Tasks = typeof import("./tasks.ts");
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function scenario(): Promise<Record<string, unknown>> {
  const pool = new Pool<Tasks>(new URL("/tasks.js", location.href), { processes: 2 });
  const squares = await pool.map("square", range(10));
  const bigMap = await pool.map("square", range(20_000));
  const bigMapOk = bigMap.every((v, i) => v === i * i);
  const applied = await pool.apply("add", [40, 2]);
  const error = await pool.apply("throwRange", ["out of range"]).then(
    () => undefined,
    (e: Error) => ({ isRangeError: e instanceof RangeError, message: e.message }),
  );
  const lock = new Lock();
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const live = await Promise.all(
    range(6).map(() => pool.apply("addUnderLock", [lock, counter, 200])),
  );
  const count = counter[0];
  const timedOut = await pool
    .apply("spin", [30_000], { timeout: 100 })
    .then(String, (e: Error) => e.name);
  const running = pool.apply("spin", [30_000]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  pool.terminate();
  const terminated = await running.then(String, (e: Error) => e instanceof ClosedError);
  await pool.join({ timeout: 10_000 });
  const afterTerminate = await pool.apply("add", [1, 1]).then(String, (e: Error) => e.name);

  // Workers started from the program's own entry, the task module built into it.
  const bundled = new Pool<Tasks>(() => new Worker("/tasks-entry.js", { type: "module" }), {
    processes: 2,
  });
  const entrySquares = await bundled.map("square", range(10));
  const entryLive = await bundled.apply("addUnderLock", [lock, counter, 50]);
  const entryCount = counter[0];
  await bundled.close();
  await bundled.join({ timeout: 10_000 });
  return {
    squares,
    bigMapOk,
    applied,
    error,
    live,
    count,
    timedOut,
    terminated,
    afterTerminate,
    entrySquares,
    entryLive,
    entryCount,
    entryModule: bundled.module,
  };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = scenario();
