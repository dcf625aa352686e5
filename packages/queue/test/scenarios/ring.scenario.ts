// Real-worker scenarios for RingBuffer (run by test/ring-buffer.test.ts).
import { ClosedError } from "@sabkit/core";
import { type ScenarioContext, seededRandom } from "@sabkit/test-utils";
import { RingBuffer } from "../../src/index.js";

/**
 * Worker 0 pushes 0, 1, 2, … total-1 in random block sizes (single values
 * through tryPushValue too), then closes; worker 1 pops in random block sizes
 * (and single values) and checks that every value is the next expected one.
 * Returns [values checked, errors]. `useAsync` uses the async forms.
 */
export async function sequence(
  ctx: ScenarioContext,
  handle: unknown,
  total: number,
  maxBlock: number,
  seed: number,
  useAsync: boolean,
): Promise<number[]> {
  const ring = RingBuffer.from<Float64Array>(handle);
  const random = seededRandom(seed + ctx.index);
  const block = new Float64Array(maxBlock);
  if (ctx.index === 0) {
    let next = 0;
    while (next < total) {
      const n = Math.min(total - next, 1 + Math.floor(random() * maxBlock));
      for (let i = 0; i < n; i++) block[i] = next + i;
      if (n === 1 && random() < 0.5 && ring.tryPushValue(next)) {
        next++;
        continue;
      }
      if (useAsync) await ring.pushAllAsync(block.subarray(0, n), { timeout: 60_000 });
      else ring.pushAll(block.subarray(0, n), { timeout: 60_000 });
      next += n;
    }
    ring.close();
    return [next, 0];
  }
  let expected = 0;
  let errors = 0;
  for (;;) {
    const want = 1 + Math.floor(random() * maxBlock);
    try {
      if (want === 1 && random() < 0.5) {
        const value = ring.tryPopValue();
        if (value !== undefined) {
          if (value !== expected) errors++;
          expected++;
          continue;
        }
      }
      const view = block.subarray(0, want);
      const n = useAsync
        ? await ring.popSomeAsync(view, { timeout: 60_000 })
        : ring.popSome(view, { timeout: 60_000 });
      for (let i = 0; i < n; i++) {
        if (view[i] !== expected) errors++;
        expected++;
      }
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
  }
  return [expected, errors];
}

/** Fast SPSC transfer of `total` values in fixed blocks, every value checked (the 10^7 test). */
export function bulk(
  ctx: ScenarioContext,
  handle: unknown,
  total: number,
  block: number,
): number[] {
  const ring = RingBuffer.from<Float64Array>(handle);
  const buffer = new Float64Array(block);
  if (ctx.index === 0) {
    let next = 0;
    while (next < total) {
      const n = Math.min(block, total - next);
      for (let i = 0; i < n; i++) buffer[i] = next + i;
      ring.pushAll(buffer.subarray(0, n), { timeout: 60_000 });
      next += n;
    }
    ring.close();
    return [next, 0];
  }
  let expected = 0;
  let errors = 0;
  for (;;) {
    let n: number;
    try {
      n = ring.popSome(buffer, { timeout: 60_000 });
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    for (let i = 0; i < n; i++) {
      if (buffer[i] !== expected) errors++;
      expected++;
    }
  }
  return [expected, errors];
}

/**
 * One value at a time: worker 0 pushes 0 … total-1 with pushValue (or
 * pushValueAsync), then closes; worker 1 pops with popValue (or
 * popValueAsync) until ClosedError and checks each value is the next one.
 * Returns [values, errors].
 */
export async function oneByOne(
  ctx: ScenarioContext,
  handle: unknown,
  total: number,
  useAsync: boolean,
): Promise<number[]> {
  const ring = RingBuffer.from<Float64Array>(handle);
  const wait = { timeout: 60_000 };
  if (ctx.index === 0) {
    for (let i = 0; i < total; i++) {
      if (useAsync) await ring.pushValueAsync(i, wait);
      else ring.pushValue(i, wait);
    }
    ring.close();
    return [total, 0];
  }
  let expected = 0;
  let errors = 0;
  for (;;) {
    let value: number;
    try {
      value = useAsync ? await ring.popValueAsync(wait) : ring.popValue(wait);
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    if (value !== expected) errors++;
    expected++;
  }
  return [expected, errors];
}
