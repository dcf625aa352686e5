// Pool, started from a worker entry (the page's bundle; the entry is its own).
import { Pool } from "sabkit";

const pool = new Pool(
  () => new Worker(new URL("./tasks.worker.js", import.meta.url), { type: "module" }),
);
console.log(await pool.map("square", [1, 2, 3]));
