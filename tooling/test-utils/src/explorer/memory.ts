/**
 * Which shared memory the explorer schedules, and how plain element reads and
 * writes of it become scheduling points.
 *
 * A SharedArrayBuffer is *tracked* when the model's `setup` creates it (the
 * explorer substitutes the `SharedArrayBuffer` constructor while setup runs)
 * or passes it to `ctx.track`. Every `Atomics` call and every plain access on
 * a tracked buffer is one step of a schedule; memory that is not tracked is
 * thread-local to the explorer and passes through untouched.
 *
 * Plain accesses: while the explorer runs, the typed-array constructors and
 * `DataView` are replaced by proxies whose `construct` returns, for a tracked
 * buffer, a Proxy of the real view. Its numeric element reads and writes,
 * bulk methods (`set`, `fill`, `slice`, …) and DataView `get*`/`set*` calls go
 * through the engine. The Proxy reports the real view's `Symbol.toStringTag`,
 * `ArrayBuffer.isView` is patched to see through it, and the instrumented
 * `Atomics` unwraps it, so argument checks written for real views accept it.
 */

import { kindCode, LIVE, sigOf } from "./ops.js";

/** What the engine provides to instrumented memory (see `Engine.enter`/`Engine.live`). */
export interface MemoryHooks {
  /** Whether a logical thread runs (its plain accesses of tracked memory are steps). */
  readonly active: boolean;
  /** The logged result of operation `sig` when replaying, else {@link LIVE}. */
  enter(sig: number): unknown;
  /** Performs operation `sig` at the thread's turn and logs it. */
  live<T>(sig: number, describe: () => string, perform: () => T): T;
}

const bufferIds = new WeakMap<ArrayBufferLike, number>();
const views = new WeakMap<object, ArrayBufferView>();

/** Tracked buffers of the current exploration, in tracking order. */
let tracked: SharedArrayBuffer[] = [];
let hooks: MemoryHooks | undefined;

export function beginTracking(): void {
  tracked = [];
  hooks = undefined;
}

/** Plain accesses of tracked memory go through `memoryHooks` from now until {@link endTracking}. */
export function setMemoryHooks(memoryHooks: MemoryHooks): void {
  hooks = memoryHooks;
}

export function endTracking(): void {
  for (const buffer of tracked) bufferIds.delete(buffer);
  tracked = [];
  hooks = undefined;
}

/** Adds `buffer` to the memory the explorer schedules; returns its id (`b0`, `b1`, … in traces). */
export function track(buffer: SharedArrayBuffer): number {
  const known = bufferIds.get(buffer);
  if (known !== undefined) return known;
  const id = tracked.length;
  tracked.push(buffer);
  bufferIds.set(buffer, id);
  return id;
}

/** The id of a tracked buffer, or `undefined` for memory the explorer does not schedule. */
export function bufferId(buffer: ArrayBufferLike): number | undefined {
  return bufferIds.get(buffer);
}

/** A copy of every tracked buffer, taken after setup. */
export function snapshot(): Uint8Array[] {
  return tracked.map((buffer) => new RealUint8Array(buffer).slice());
}

/** Puts every tracked buffer back to the snapshot (before each schedule). */
export function restore(saved: readonly Uint8Array[]): void {
  for (let i = 0; i < saved.length; i++) new RealUint8Array(tracked[i]!).set(saved[i]!);
}

/** The real view behind an instrumented one (or the value itself). */
export function unwrap<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  return (views.get(value as object) as T | undefined) ?? value;
}

const RealUint8Array = Uint8Array;

const TYPED_ARRAY_NAMES = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

/** Bulk methods that write the view; every other method is a read (one step either way). */
const WRITING_METHODS = new Set(["set", "fill", "copyWithin", "reverse", "sort"]);
/** Methods that make a new view of the same memory, which is instrumented in turn. */
const VIEW_METHODS = new Set(["subarray"]);

/** The array index `prop` names (a canonical numeric string), or -1. */
function canonicalIndex(prop: string): number {
  const length = prop.length;
  let first = prop.charCodeAt(0);
  if (first < 48 || first > 57 || length > 15 || (first === 48 && length > 1)) return -1;
  let n = first - 48;
  for (let i = 1; i < length; i++) {
    first = prop.charCodeAt(i);
    if (first < 48 || first > 57) return -1;
    n = n * 10 + (first - 48);
  }
  return n;
}

type AnyTypedArray = Int32Array | Float64Array | BigInt64Array | Uint8Array;
type Elements = Record<number, unknown>;

const READ = kindCode("read");
const WRITE = kindCode("write");

/**
 * The Proxy handler of one instrumented typed array (a class: no closures
 * are made per view). Element reads and writes are one step each; during a
 * replay they return the logged value without building anything.
 */
class TypedArrayHandler implements ProxyHandler<AnyTypedArray> {
  constructor(
    private readonly buffer: number,
    private readonly bytes: number,
  ) {}

  get(target: AnyTypedArray, prop: string | symbol): unknown {
    if (typeof prop === "string") {
      const index = canonicalIndex(prop);
      if (index >= 0) {
        const h = hooks;
        if (h === undefined || !h.active) return (target as unknown as Elements)[index];
        const at = target.byteOffset + index * this.bytes;
        const sig = sigOf(READ, this.buffer, at);
        const replayed = h.enter(sig);
        if (replayed !== LIVE) return replayed;
        return h.live(
          sig,
          () => `b${this.buffer}[${index}] (byte ${at})`,
          () => (target as unknown as Elements)[index],
        );
      }
    }
    const value = Reflect.get(target, prop, target);
    if (typeof value !== "function" || prop === "constructor") return value;
    return this.method(target, String(prop), value as (...args: unknown[]) => unknown);
  }

  set(target: AnyTypedArray, prop: string | symbol, value: unknown): boolean {
    if (typeof prop === "string") {
      const index = canonicalIndex(prop);
      if (index >= 0) {
        const h = hooks;
        if (h === undefined || !h.active) {
          (target as unknown as Elements)[index] = value;
          return true;
        }
        const at = target.byteOffset + index * this.bytes;
        const sig = sigOf(WRITE, this.buffer, at);
        if (h.enter(sig) === LIVE) {
          h.live(
            sig,
            () => `b${this.buffer}[${index}]=${String(value)} (byte ${at})`,
            () => {
              (target as unknown as Elements)[index] = value;
            },
          );
        }
        return true;
      }
    }
    return Reflect.set(target, prop, value, target);
  }

  private method(target: AnyTypedArray, name: string, fn: (...args: unknown[]) => unknown) {
    const buffer = this.buffer;
    return function instrumented(...args: unknown[]): unknown {
      const real = args.map(unwrap);
      if (VIEW_METHODS.has(name)) return instrument(fn.apply(target, real) as ArrayBufferView);
      const h = hooks;
      if (h === undefined || !h.active) return fn.apply(target, real);
      const sig = sigOf(WRITING_METHODS.has(name) ? WRITE : READ, buffer, target.byteOffset);
      const replayed = h.enter(sig);
      if (replayed !== LIVE) return replayed;
      return h.live(
        sig,
        () => `b${buffer}.${name}() (byte ${target.byteOffset})`,
        () => fn.apply(target, real),
      );
    };
  }
}

function instrumentTypedArray(view: AnyTypedArray, buffer: number): AnyTypedArray {
  const proxy = new Proxy(view, new TypedArrayHandler(buffer, view.BYTES_PER_ELEMENT));
  views.set(proxy, view);
  return proxy;
}

function instrumentDataView(view: DataView, buffer: number): DataView {
  const handler: ProxyHandler<DataView> = {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "constructor") return value;
      const name = String(prop);
      const fn = value as (...args: unknown[]) => unknown;
      const code = name.startsWith("set") ? WRITE : name.startsWith("get") ? READ : undefined;
      return (...args: unknown[]) => {
        const h = hooks;
        if (code === undefined || h === undefined || !h.active) return fn.apply(target, args);
        const offset = typeof args[0] === "number" ? args[0] : 0;
        const at = target.byteOffset + offset;
        const sig = sigOf(code, buffer, at);
        const replayed = h.enter(sig);
        if (replayed !== LIVE) return replayed;
        return h.live(
          sig,
          () => `b${buffer}.${name}(${offset}) (byte ${at})`,
          () => fn.apply(target, args),
        );
      };
    },
  };
  const proxy = new Proxy(view, handler);
  views.set(proxy, view);
  return proxy;
}

/** An instrumented view of `view` when it views tracked memory, else `view` itself. */
export function instrument<T extends ArrayBufferView>(view: T): T {
  const id = bufferIds.get(view.buffer);
  if (id === undefined) return view;
  if (view instanceof DataView) return instrumentDataView(view, id) as unknown as T;
  return instrumentTypedArray(view as unknown as AnyTypedArray, id) as unknown as T;
}

type Restore = () => void;

function replaceGlobal(name: string, value: unknown): Restore {
  const scope = globalThis as unknown as Record<string, unknown>;
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  return () => {
    if (descriptor === undefined) delete scope[name];
    else Object.defineProperty(globalThis, name, descriptor);
  };
}

/**
 * Replaces the view constructors (and `ArrayBuffer.isView`) so that views of
 * tracked memory are instrumented. Returns the function that puts them back.
 */
export function installViewConstructors(): Restore {
  if (permanent) return () => {};
  const restores: Restore[] = [];
  const scope = globalThis as unknown as Record<
    string,
    new (
      ...args: unknown[]
    ) => ArrayBufferView
  >;
  for (const name of [...TYPED_ARRAY_NAMES, "DataView"]) {
    const Real = scope[name]!;
    const replacement = new Proxy(Real, {
      construct(target, args) {
        return instrument(Reflect.construct(target, args.map(unwrap), target) as ArrayBufferView);
      },
    });
    restores.push(replaceGlobal(name, replacement));
  }
  const realIsView = ArrayBuffer.isView;
  ArrayBuffer.isView = (value: unknown): value is ArrayBufferView => realIsView(unwrap(value));
  restores.push(() => {
    ArrayBuffer.isView = realIsView;
  });
  return () => {
    for (const undo of restores.reverse()) undo();
  };
}

let permanent = false;

/**
 * Installs the instrumented view constructors for good (this JS thread), for
 * code that keeps constructors at module load and compares them by identity
 * (e.g. a table of element types): call it before importing that code. Views
 * of memory that no exploration tracks stay plain views, so the only cost
 * outside explorations is a Proxy `construct` per `new`.
 */
export function installViewConstructorsForGood(): void {
  if (permanent) return;
  installViewConstructors();
  permanent = true;
}

/** While setup runs: every `new SharedArrayBuffer(...)` is tracked. */
export function installBufferTracking(): Restore {
  const Real = SharedArrayBuffer;
  const replacement = new Proxy(Real, {
    construct(target, args) {
      const buffer = Reflect.construct(target, args, target) as SharedArrayBuffer;
      track(buffer);
      return buffer;
    },
  });
  return replaceGlobal("SharedArrayBuffer", replacement);
}

export { replaceGlobal };
