/**
 * Worker side of the wait/notify tests. Layout of the shared Int32Array used
 * by every scenario (the test allocates it):
 *
 * | index | meaning                                        | written by          |
 * | ----- | ---------------------------------------------- | ------------------- |
 * | 0     | the cell waited on                             | notifier / test     |
 * | 1     | second cell (timeouts, not-equal)              | test                |
 * | 2     | waiters that have arrived (about to wait)      | waiters (add)       |
 * | 3     | waiters that have returned                     | waiters (add)       |
 */
import type { ScenarioContext } from "@sabkit/test-utils";
import { notify, type WaitResult, waitAsync, waitSync } from "../../src/index.js";
import {
  type AsyncStrategy,
  hasNativeWaitAsync,
  type SyncStrategy,
  setWaitStrategy,
} from "../../src/internal.js";

export const CELL = 0;
export const SPARE = 1;
export const ARRIVED = 2;
export const RETURNED = 3;
export const WORDS = 4;

export interface Outcome {
  result: WaitResult;
  elapsedMs: number;
}

function hideNativeWaitAsync(): void {
  // What an engine without Atomics.waitAsync looks like.
  delete (Atomics as { waitAsync?: unknown }).waitAsync;
  if (hasNativeWaitAsync()) throw new Error("could not hide the native Atomics.waitAsync");
}

export function waitSyncOnce(
  _ctx: ScenarioContext,
  buffer: SharedArrayBuffer,
  index: number,
  expected: number,
  timeoutMs: number | undefined,
  sync: SyncStrategy = "auto",
): Outcome {
  setWaitStrategy({ sync });
  const i32 = new Int32Array(buffer);
  Atomics.add(i32, ARRIVED, 1);
  const start = performance.now();
  const result = waitSync(i32, index, expected, timeoutMs);
  const elapsedMs = performance.now() - start;
  Atomics.add(i32, RETURNED, 1);
  return { result, elapsedMs };
}

export async function waitAsyncOnce(
  _ctx: ScenarioContext,
  buffer: SharedArrayBuffer,
  index: number,
  expected: number,
  timeoutMs: number | undefined,
  strategy: AsyncStrategy = "auto",
  hideNative = false,
): Promise<Outcome> {
  if (hideNative) hideNativeWaitAsync();
  setWaitStrategy({ async: strategy });
  const i32 = new Int32Array(buffer);
  Atomics.add(i32, ARRIVED, 1);
  const start = performance.now();
  const result = await waitAsync(i32, index, expected, timeoutMs);
  const elapsedMs = performance.now() - start;
  Atomics.add(i32, RETURNED, 1);
  return { result, elapsedMs };
}

/**
 * Waits until `arrivals` waiters have arrived, lets them settle into their
 * wait for `delayMs`, then stores `value` (unless null) and notifies `count`.
 * Returns notify's return value.
 */
export async function storeAndNotify(
  _ctx: ScenarioContext,
  buffer: SharedArrayBuffer,
  arrivals: number,
  delayMs: number,
  value: number | null,
  count: number | undefined,
): Promise<number> {
  const i32 = new Int32Array(buffer);
  while (Atomics.load(i32, ARRIVED) < arrivals) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, delayMs));
  if (value !== null) Atomics.store(i32, CELL, value);
  return notify(i32, CELL, count);
}
