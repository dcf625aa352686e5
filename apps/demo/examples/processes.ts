// Python's three-process example (python/processes.py): each process sleeps
// 1 s, then prints; the three run at the same time, so the program takes
// about 1 s, not 3.
import { isMainProcess, Process } from "sabkit";
import { print } from "./lib/repr.js";

export async function worker(num: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000)); // time.sleep(1)
  print(`Worker: ${num}`);
}

if (isMainProcess()) {
  const jobs: Process[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: import.meta.url, export: "worker", args: [i] });
    jobs.push(p);
    p.start();
  }
  for (const p of jobs) await p.joinAsync();
}
