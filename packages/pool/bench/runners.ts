// The pool runners every apply figure uses: the same task module (tasks.mjs) in each library,
// 2 workers unless noted. Used by bench/index.ts and bench/apply-one-shot.ts.
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";
import workerpool from "workerpool";
import { Pool } from "../src/index.js";

export type Tasks = typeof import("./tasks.mjs");
export const TASKS = new URL("./tasks.mjs", import.meta.url);
const TASKS_PATH = TASKS.pathname;
const WORKERPOOL_SCRIPT = new URL("./workerpool-worker.mjs", import.meta.url).pathname;
export const CORES = 2;

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export interface Runner {
  /** The key bench/apply-one-shot.ts takes on its command line. */
  key: string;
  name: string;
  start(): Promise<void> | void;
  apply(x: number): Promise<unknown>;
  stop(): Promise<void>;
}

function sabkit(processes: number): Runner {
  let pool: Pool<Tasks> | undefined;
  return {
    key: `sabkit${processes}`,
    name: `sabkit Pool apply (processes ${processes})`,
    async start() {
      pool = new Pool<Tasks>(TASKS, { processes });
      await pool.map("square", range(1000)); // workers up
    },
    apply: (x) => pool!.apply("square", [x]),
    async stop() {
      pool!.terminate();
      await pool!.join();
    },
  };
}

function piscina(concurrentTasksPerWorker?: number): Runner {
  let pool: Piscina | undefined;
  return {
    key: concurrentTasksPerWorker ? `piscina${concurrentTasksPerWorker}` : "piscina",
    name: concurrentTasksPerWorker
      ? `piscina (concurrentTasksPerWorker ${concurrentTasksPerWorker})`
      : "piscina",
    async start() {
      pool = new Piscina({
        filename: TASKS_PATH,
        maxThreads: CORES,
        minThreads: CORES,
        concurrentTasksPerWorker,
      });
      await Promise.all(range(100).map((x) => pool!.run(x)));
    },
    apply: (x) => pool!.run(x),
    async stop() {
      await pool!.destroy();
    },
  };
}

function tinypool(): Runner {
  let pool: Tinypool | undefined;
  return {
    key: "tinypool",
    name: "tinypool",
    async start() {
      pool = new Tinypool({ filename: TASKS_PATH, maxThreads: CORES, minThreads: CORES });
      await Promise.all(range(100).map((x) => pool!.run(x)));
    },
    apply: (x) => pool!.run(x),
    async stop() {
      await pool!.destroy();
    },
  };
}

function workerpoolRunner(): Runner {
  let pool: workerpool.Pool | undefined;
  return {
    key: "workerpool",
    name: "workerpool",
    async start() {
      pool = workerpool.pool(WORKERPOOL_SCRIPT, {
        maxWorkers: CORES,
        minWorkers: CORES,
        workerType: "thread",
      });
      await Promise.all(range(100).map((x) => pool!.exec("square", [x])));
    },
    apply: (x) => pool!.exec("square", [x]) as unknown as Promise<unknown>,
    async stop() {
      await pool!.terminate();
    },
  };
}

export const runners = (): Runner[] => [
  piscina(),
  piscina(64),
  tinypool(),
  workerpoolRunner(),
  sabkit(1),
  sabkit(2),
];
