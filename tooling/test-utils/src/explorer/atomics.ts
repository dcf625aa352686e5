/**
 * The instrumented `Atomics` the explorer puts on `globalThis` while it runs.
 * On tracked memory every call is one step of the schedule; on other memory
 * it is the real `Atomics`. Arguments are checked by the real functions
 * (called with no effect: a load, a zero-timeout wait, a zero-count notify),
 * so bad input throws the same TypeError/RangeError as in production.
 */
import type { Engine } from "./engine.js";
import { ExplorerUsageError } from "./errors.js";
import { bufferId, unwrap } from "./memory.js";
import { kindCode, LIVE, sigOf } from "./ops.js";

const WAIT = kindCode("wait");
const NOTIFY = kindCode("notify");
const WAIT_ASYNC = kindCode("waitAsync");

type View = Int32Array | BigInt64Array;
type AtomicsFn = (view: View, index: number, ...rest: unknown[]) => unknown;

const REAL = Atomics;
const realFns = REAL as unknown as Record<string, AtomicsFn>;

const READ_MODIFY_WRITE = [
  "load",
  "store",
  "add",
  "sub",
  "and",
  "or",
  "xor",
  "exchange",
  "compareExchange",
] as const;

/** The byte index of element `index` of `view` (the key of its waiter queue). */
function byteIndexOf(view: View, index: number): number {
  return view.byteOffset + Number(index) * view.BYTES_PER_ELEMENT;
}

/** Atomics.wait's timeout: NaN/undefined wait forever, negatives are 0. */
function waitTimeout(timeout: unknown): number {
  const ms = Number(timeout);
  if (Number.isNaN(ms)) return Number.POSITIVE_INFINITY;
  return Math.max(ms, 0);
}

/** Atomics.notify's count: undefined is all, otherwise ToIntegerOrInfinity clamped at 0. */
function notifyCount(count: unknown): number {
  if (count === undefined) return Number.POSITIVE_INFINITY;
  const n = Math.trunc(Number(count));
  return Number.isNaN(n) || n < 0 ? 0 : n;
}

function args(rest: readonly unknown[]): string {
  return rest.map((value) => String(value)).join(", ");
}

/** Builds the instrumented Atomics object for `engine`. */
export function instrumentedAtomics(current: () => Engine<unknown> | undefined): typeof Atomics {
  // Before the engine exists (setup) and between schedules (check) every call
  // goes to the real Atomics, with instrumented views unwrapped.
  const active = (): Engine<unknown> | undefined => {
    const engine = current();
    return engine?.active ? engine : undefined;
  };
  const fake: Record<string | symbol, unknown> = Object.create(null);
  for (const name of READ_MODIFY_WRITE) {
    const real = realFns[name]!;
    const code = kindCode(name);
    fake[name] = (maybeView: View, index: number, a?: unknown, b?: unknown) => {
      const view = unwrap(maybeView);
      const engine = active();
      const id = engine === undefined ? undefined : bufferId(view.buffer);
      if (engine === undefined || id === undefined) return real(view, index, a, b);
      // Throws the real TypeError/RangeError for a bad view or index, with no effect.
      REAL.load(view as Int32Array, index);
      const at = byteIndexOf(view, index);
      const sig = sigOf(code, id, at);
      const replayed = engine.enter(sig);
      if (replayed !== LIVE) return replayed;
      return engine.live(
        sig,
        () =>
          `Atomics.${name}(b${id} byte ${at}${a === undefined ? "" : `, ${args(b === undefined ? [a] : [a, b])}`})`,
        () => real(view, index, a, b),
      );
    };
  }
  fake.isLockFree = (size: number) => REAL.isLockFree(size);
  fake.wait = (maybeView: View, index: number, value: unknown, timeout?: unknown) => {
    const view = unwrap(maybeView);
    const engine = active();
    const id = engine === undefined ? undefined : bufferId(view.buffer);
    if (engine === undefined || id === undefined) {
      if (engine === undefined)
        return REAL.wait(view as Int32Array, index, value as number, timeout as number);
      // Checks and compares without blocking; a wait that would block cannot be scheduled.
      const compared = REAL.wait(view as Int32Array, index, value as number, 0);
      if (compared === "timed-out" && waitTimeout(timeout) > 0) {
        throw new ExplorerUsageError(
          "Atomics.wait on memory the explorer does not track would block the explorer: create the " +
            "buffer in the model's setup, or pass it to ctx.track(buffer) there",
        );
      }
      return compared;
    }
    const at = byteIndexOf(view, index);
    const ms = waitTimeout(timeout);
    return engine.wait(
      sigOf(WAIT, id, at),
      `${id}:${at}`,
      () => `Atomics.wait(b${id} byte ${at}, ${String(value)}, ${ms})`,
      // Checks the arguments as Atomics.wait does, and compares, without blocking.
      () => REAL.wait(view as Int32Array, index, value as number, 0),
      ms,
    );
  };
  fake.notify = (maybeView: View, index: number, count?: unknown) => {
    const view = unwrap(maybeView);
    const engine = active();
    const id = engine === undefined ? undefined : bufferId(view.buffer);
    if (engine === undefined || id === undefined)
      return REAL.notify(view as Int32Array, index, count as number);
    const at = byteIndexOf(view, index);
    const limit = notifyCount(count);
    return engine.notify(
      sigOf(NOTIFY, id, at),
      `${id}:${at}`,
      () => `Atomics.notify(b${id} byte ${at}, ${limit})`,
      () => {
        REAL.notify(view as Int32Array, index, 0);
      },
      limit,
    );
  };
  fake.waitAsync = (maybeView: View, index: number, value: unknown, timeout?: unknown) => {
    const view = unwrap(maybeView);
    const engine = active();
    const id = engine === undefined ? undefined : bufferId(view.buffer);
    if (engine === undefined || id === undefined) {
      const native = (REAL as unknown as { waitAsync?: AtomicsFn }).waitAsync;
      if (native === undefined) throw new TypeError("Atomics.waitAsync is not a function");
      if (engine === undefined) return native(view, index, value, timeout);
      // Checks and compares without waiting; a wait that would register cannot be scheduled.
      const compared = REAL.wait(view as Int32Array, index, value as number, 0);
      if (compared === "timed-out" && waitTimeout(timeout) > 0) {
        throw new ExplorerUsageError(
          "Atomics.waitAsync on memory the explorer does not track would wait outside the explorer: " +
            "create the buffer in the model's setup, or pass it to ctx.track(buffer) there",
        );
      }
      return { async: false, value: compared };
    }
    const at = byteIndexOf(view, index);
    const ms = waitTimeout(timeout);
    return engine.waitAsync(
      sigOf(WAIT_ASYNC, id, at),
      `${id}:${at}`,
      () => `Atomics.waitAsync(b${id} byte ${at}, ${String(value)}, ${ms})`,
      // Checks the arguments as Atomics.wait does (Int32Array/BigInt64Array of shared memory), and compares.
      () => REAL.wait(view as Int32Array, index, value as number, 0),
      ms,
    );
  };
  fake.pause = () => {
    active()?.pause();
  };
  fake[Symbol.toStringTag] = "Atomics";
  return fake as unknown as typeof Atomics;
}
