// Baseline worker: its first instruction flags that it runs.
import { workerData } from "node:worker_threads";

const i32 = new Int32Array(workerData);
Atomics.store(i32, 0, 1); // publishes "running"; pairs with the bench's waitAsync
Atomics.notify(i32, 0);
