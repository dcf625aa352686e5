import { SPARE, WORDS } from "./scenarios/wait.scenario.js";

export const scenarios = new URL("./scenarios/wait.scenario.ts", import.meta.url);

/** A fresh shared cell block (see the layout in wait.scenario.ts). */
export function cells(): { buffer: SharedArrayBuffer; i32: Int32Array } {
  const buffer = new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
  const i32 = new Int32Array(buffer);
  Atomics.store(i32, SPARE, 7);
  return { buffer, i32 };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` every few ms until it returns true, or fails after `limitMs`. */
export async function eventually(
  attempt: () => boolean,
  limitMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + limitMs;
  while (!attempt()) {
    if (Date.now() > end) throw new Error(`${what}: not reached within ${limitMs} ms`);
    await sleep(2);
  }
}

/** Wakes waiters on (i32, index) with `wake` until it has woken `total`, or fails after `limitMs`. */
export async function wakeUntil(
  wake: () => number,
  total: number,
  limitMs: number,
): Promise<number[]> {
  const returns: number[] = [];
  let woken = 0;
  await eventually(
    () => {
      const n = wake();
      if (n > 0) returns.push(n);
      woken += n;
      return woken >= total;
    },
    limitMs,
    `waking ${total} waiter(s)`,
  );
  return returns;
}
