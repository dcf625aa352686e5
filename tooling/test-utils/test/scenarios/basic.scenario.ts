import type { ScenarioContext } from "../../src/index.js";

export function sumWithIndex(ctx: ScenarioContext, base: number): { index: number; value: number } {
  const typed: number = base + ctx.index;
  return { index: ctx.index, value: typed };
}

export function addToShared(
  ctx: ScenarioContext,
  buffer: SharedArrayBuffer,
  times: number,
): number {
  const counter = new Int32Array(buffer);
  for (let i = 0; i < times; i++) Atomics.add(counter, 0, 1);
  return ctx.workers;
}

export function throwTypeError(): never {
  throw new TypeError("planted failure");
}

export function exitWithCode(_ctx: ScenarioContext, code: number): void {
  process.exit(code);
}

export function hang(_ctx: ScenarioContext, buffer: SharedArrayBuffer): void {
  // Waits on a word nobody notifies: the run's time bound must end it.
  Atomics.wait(new Int32Array(buffer), 0, 0);
}
