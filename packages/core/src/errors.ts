/**
 * The errors every sabkit package throws.
 *
 * Each class has a stable `code` (`"ERR_SABKIT_…"`, also available as the
 * static `code` of the class) that code can branch on across versions and
 * across workers, and a `name` equal to the class name, so `instanceof`,
 * `error.name` and `error.code` all agree. Messages say what was wrong and
 * what to do about it.
 *
 * `name` lives on each prototype (not on instances) so that V8 already uses it
 * when it formats `stack` during construction.
 */

/** The stable codes of sabkit's errors. */
export type SabkitErrorCode =
  | "ERR_SABKIT"
  | "ERR_SABKIT_TIMEOUT"
  | "ERR_SABKIT_CLOSED"
  | "ERR_SABKIT_FULL"
  | "ERR_SABKIT_EMPTY"
  | "ERR_SABKIT_NOT_OWNER"
  | "ERR_SABKIT_OWNER_DIED"
  | "ERR_SABKIT_DEADLOCK"
  | "ERR_SABKIT_BROKEN_BARRIER"
  | "ERR_SABKIT_INVALID_HANDLE"
  | "ERR_SABKIT_WORKER_CRASHED"
  | "ERR_SABKIT_ABORTED";

/**
 * Base class of every sabkit error: catch it to handle any of them.
 *
 * @example
 * ```ts
 * try { queue.get({ timeout: 0 }); }
 * catch (error) {
 *   if (error instanceof SabkitError && error.code === "ERR_SABKIT_EMPTY") { ... }
 * }
 * ```
 */
export class SabkitError extends Error {
  /** The code every instance of this class carries. */
  static readonly code: SabkitErrorCode = "ERR_SABKIT";
  /** A stable string naming the kind of failure, e.g. `"ERR_SABKIT_TIMEOUT"`. */
  readonly code: SabkitErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = (new.target as typeof SabkitError).code;
  }
}

/**
 * A wait ran out of time (`timeout` in the options elapsed first).
 *
 * @example
 * ```ts
 * try { using held = lock.acquire({ timeout: 100 }); ... }
 * catch (error) { if (error instanceof TimeoutError) retryLater(); else throw error; }
 * ```
 */
export class TimeoutError extends SabkitError {
  static override readonly code = "ERR_SABKIT_TIMEOUT";
  constructor(
    message = "the operation timed out: retry, or pass a larger `timeout` (undefined waits forever)",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The object was closed: by this thread, by another, or while this caller was waiting.
 *
 * @example
 * ```ts
 * for (;;) {
 *   try { handle(queue.get()); } catch (error) { if (error instanceof ClosedError) break; throw error; }
 * }
 * ```
 */
export class ClosedError extends SabkitError {
  static override readonly code = "ERR_SABKIT_CLOSED";
  constructor(
    message = "the object is closed: it cannot be used any more; create a new one",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A non-waiting put found no room (Python's `queue.Full`).
 *
 * @example
 * ```ts
 * try { queue.putNowait(item); } catch (error) { if (error instanceof FullError) dropOrRetry(item); }
 * ```
 */
export class FullError extends SabkitError {
  static override readonly code = "ERR_SABKIT_FULL";
  constructor(
    message = "no room to put without waiting: retry later, or use the waiting form with a timeout",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A non-waiting get found nothing (Python's `queue.Empty`).
 *
 * @example
 * ```ts
 * try { const item = queue.getNowait(); } catch (error) { if (error instanceof EmptyError) idle(); }
 * ```
 */
export class EmptyError extends SabkitError {
  static override readonly code = "ERR_SABKIT_EMPTY";
  constructor(
    message = "nothing to get without waiting: retry later, or use the waiting form with a timeout",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The caller released (or waited on) something it does not hold.
 *
 * @example
 * ```ts
 * lock.release(); // without holding it -> NotOwnerError
 * ```
 */
export class NotOwnerError extends SabkitError {
  static override readonly code = "ERR_SABKIT_NOT_OWNER";
  constructor(
    message = "the calling thread does not hold this: acquire it first, and release it from the thread that acquired it",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Options of {@link OwnerDiedError}. */
export interface OwnerDiedErrorOptions<G> extends ErrorOptions {
  /** The guard of the acquisition that succeeded despite the death. */
  guard?: G;
  /** The thread identity of the owner that died, when known. */
  ownerIdentity?: number;
}

/**
 * The previous owner died while holding the lock (POSIX `EOWNERDEAD`).
 *
 * The acquisition *succeeded*: the caller now holds the lock (through
 * `guard`, set by the lock that throws this) and should repair whatever the
 * dead owner may have half-written, then release it.
 *
 * @example
 * ```ts
 * let held: Guard;
 * try { held = lock.acquire(); }
 * catch (error) {
 *   if (!(error instanceof OwnerDiedError)) throw error;
 *   held = error.guard!;
 *   repairSharedState();
 * }
 * using _ = held;
 * ```
 */
export class OwnerDiedError<G = unknown> extends SabkitError {
  static override readonly code = "ERR_SABKIT_OWNER_DIED";
  /** The guard the caller now holds; set by the lock that throws this error. */
  guard: G | undefined;
  /** The thread identity of the dead owner, when known. */
  readonly ownerIdentity: number | undefined;

  constructor(
    message = "the previous owner died while holding this lock; you now hold it: repair the state it protects, then release it",
    options: OwnerDiedErrorOptions<G> = {},
  ) {
    super(message, options);
    this.guard = options.guard;
    this.ownerIdentity = options.ownerIdentity;
  }
}

/**
 * Waiting would never end because the waiters form a cycle.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof DeadlockError) console.error(error.cycle.join(" -> ")); }
 * ```
 */
export class DeadlockError extends SabkitError {
  static override readonly code = "ERR_SABKIT_DEADLOCK";
  /** The cycle, e.g. `["thread 3 holds lock A", "thread 4 holds lock B", "thread 3"]`. */
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[], message?: string, options?: ErrorOptions) {
    super(
      message ??
        `deadlock: ${cycle.join(" -> ")}; acquire locks in one global order (or use Lock.all)`,
      options,
    );
    this.cycle = Object.freeze([...cycle]);
  }
}

/**
 * A barrier was broken (aborted, reset, timed out or a party died) while, or
 * before, the caller waited on it.
 *
 * @example
 * ```ts
 * try { barrier.wait(); } catch (error) { if (error instanceof BrokenBarrierError) barrier.reset(); }
 * ```
 */
export class BrokenBarrierError extends SabkitError {
  static override readonly code = "ERR_SABKIT_BROKEN_BARRIER";
  constructor(
    message = "the barrier is broken: every waiter was released with this error; call reset() before using it again",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A handle, buffer region or shared header is not what was expected (wrong
 * kind, version, buffer type, offset, size, tag, or corrupted memory).
 *
 * @example
 * ```ts
 * Lock.from({ kind: "semaphore", ... }); // InvalidHandleError: expected kind "lock" ...
 * ```
 */
export class InvalidHandleError extends SabkitError {
  static override readonly code = "ERR_SABKIT_INVALID_HANDLE";
}

/**
 * A worker died (exit, terminate, uncaught error, out of memory) before it
 * finished the work it was given.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof WorkerCrashedError) console.error(`thread ${error.threadId} exited ${error.exitCode}`);
 * }
 * ```
 */
export class WorkerCrashedError extends SabkitError {
  static override readonly code = "ERR_SABKIT_WORKER_CRASHED";
  /** The worker's thread id (or sabkit thread identity), as reported by whoever saw it die. */
  readonly threadId: number;
  /** The worker's exit code. */
  readonly exitCode: number;

  constructor(threadId: number, exitCode: number, message?: string, options?: ErrorOptions) {
    super(
      message ??
        `worker ${threadId} exited with code ${exitCode} before finishing its task; ` +
          "the task did not complete: retry it, or look at the worker's output for the cause",
      options,
    );
    this.threadId = threadId;
    this.exitCode = exitCode;
  }
}

/**
 * The wait was aborted through its `AbortSignal`; `cause` is `signal.reason`.
 *
 * `name` is `"AbortError"` like the platform's `DOMException`, so code that
 * checks `error.name === "AbortError"` works with both.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const pending = lock.acquireAsync({ signal: controller.signal });
 * controller.abort(new Error("shutting down"));
 * await pending; // rejects with AbortError, cause = Error("shutting down")
 * ```
 */
export class AbortError extends SabkitError {
  static override readonly code = "ERR_SABKIT_ABORTED";
  constructor(
    reason?: unknown,
    message = "the operation was aborted through its AbortSignal (see `cause` for the reason)",
  ) {
    super(message, { cause: reason });
  }
}

/**
 * sabkit's error classes by their names. The names are string literals, not
 * `errorClass.name`: a minifier renames classes (`class E extends Error`), and
 * `error.name`, messages and revival across workers must not change with it.
 */
const ERROR_CLASSES: ReadonlyArray<readonly [string, abstract new (...args: never[]) => Error]> = [
  ["SabkitError", SabkitError],
  ["TimeoutError", TimeoutError],
  ["ClosedError", ClosedError],
  ["FullError", FullError],
  ["EmptyError", EmptyError],
  ["NotOwnerError", NotOwnerError],
  ["OwnerDiedError", OwnerDiedError],
  ["DeadlockError", DeadlockError],
  ["BrokenBarrierError", BrokenBarrierError],
  ["InvalidHandleError", InvalidHandleError],
  ["WorkerCrashedError", WorkerCrashedError],
  ["AbortError", AbortError],
];

for (const [name, errorClass] of ERROR_CLASSES) {
  // On the prototype, writable (as Error.prototype.name is) and not enumerable.
  Object.defineProperty(errorClass.prototype, "name", {
    value: name,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

// ---------------------------------------------------------------------------
// Carrying errors across workers
// ---------------------------------------------------------------------------

/**
 * A structured-cloneable description of an error, made by
 * {@link serializeError} in a worker and turned back into an error of the same
 * class by {@link reviveError} in the parent.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  /**
   * The registered name of the error's class, or of its nearest registered
   * ancestor (`"TimeoutError"`, `"TypeError"`, a name given to
   * {@link registerErrorClass}); the class the receiver revives it as.
   */
  readonly className?: string;
  /** The serialized `cause`, when there was one. */
  readonly cause?: SerializedError | { readonly value: unknown };
  /** Other own enumerable properties that survive structured clone (e.g. `threadId`). */
  readonly props: Readonly<Record<string, unknown>>;
  /** `true` when the thrown value was not an `Error` (then `message` is `String(value)`). */
  readonly nonError?: true;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The classes errors are revived as, by registered name, and the name of each class's prototype. */
interface ErrorRegistry {
  readonly byName: Map<string, ErrorClass>;
  readonly byPrototype: WeakMap<object, string>;
}

// On globalThis under a registry symbol, so that every copy of @sabkit/core in
// a thread (a page bundle, a worker bundle, a task module bundled with its own
// copy) serializes and revives with the same table.
const ERROR_REGISTRY_KEY = Symbol.for("sabkit.registry.errors");

const BUILT_IN_ERRORS: ReadonlyArray<readonly [string, ErrorClass]> = [
  ["Error", Error],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
  ["SyntaxError", SyntaxError],
  ["ReferenceError", ReferenceError],
  ["EvalError", EvalError],
  ["URIError", URIError],
  ["AggregateError", AggregateError],
];

function errorRegistry(): ErrorRegistry {
  const scope = globalThis as unknown as Record<symbol, ErrorRegistry | undefined>;
  let registry = scope[ERROR_REGISTRY_KEY];
  if (registry === undefined) {
    registry = { byName: new Map(), byPrototype: new WeakMap() };
    Object.defineProperty(globalThis, ERROR_REGISTRY_KEY, { value: registry });
  }
  return registry;
}

function addErrorClass(name: string, errorClass: ErrorClass): void {
  const registry = errorRegistry();
  registry.byName.set(name, errorClass);
  registry.byPrototype.set(errorClass.prototype, name);
}

// This copy's classes replace another copy's under the same names: errors
// revived in this thread are instances of the classes this copy exports.
for (const [name, errorClass] of [...BUILT_IN_ERRORS, ...ERROR_CLASSES]) {
  addErrorClass(name, errorClass);
}

/**
 * Lets errors of a class of yours cross workers as that class: an error
 * thrown in a worker (a Process target, a Pool task) and revived in the
 * parent is an instance of the class registered under the same `name` there,
 * so `instanceof` works on both sides. Register the class in every thread that
 * throws or receives it (in the module that defines it, which both import).
 *
 * `name` is the identity across threads: give a string literal, not
 * `errorClass.name`, which a minifier changes. An error of an unregistered
 * subclass arrives as its nearest registered ancestor (`TimeoutError`,
 * `RangeError`, `Error`), with its own `name` and message kept.
 *
 * @throws TypeError when `name` is empty or `errorClass` is not a subclass of Error.
 * @example
 * ```ts
 * // errors.ts, imported by the task module and by the program
 * export class QuotaError extends Error {}
 * registerErrorClass("QuotaError", QuotaError);
 * // in the program
 * try { await pool.apply("upload", [file]); }
 * catch (error) { if (error instanceof QuotaError) wait(); }
 * ```
 */
export function registerErrorClass(
  name: string,
  errorClass: abstract new (...args: never[]) => Error,
): void {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `registerErrorClass: name must be a non-empty string literal (e.g. "QuotaError"), got ${describeValue(name)}`,
    );
  }
  if (typeof errorClass !== "function" || !(errorClass.prototype instanceof Error)) {
    throw new TypeError(
      `registerErrorClass("${name}"): errorClass must be a class that extends Error, got ${describeValue(errorClass)}`,
    );
  }
  addErrorClass(name, errorClass);
}

function describeValue(value: unknown): string {
  return typeof value === "function" ? "a function that does not extend Error" : safeString(value);
}

/** The registered name of `error`'s class or of its nearest registered ancestor. */
function registeredClassName(error: Error): string | undefined {
  const { byPrototype } = errorRegistry();
  // Bounded: prototype chains are finite, and a Proxy's getPrototypeOf trap may throw.
  try {
    for (
      let proto = Object.getPrototypeOf(error), depth = 0;
      proto !== null && depth < 64;
      depth++
    ) {
      const name = byPrototype.get(proto);
      if (name !== undefined) return name;
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // A hostile prototype chain: revive as a plain Error.
  }
  return undefined;
}

// `guard` (OwnerDiedError) is a live object of the throwing thread: meaningless elsewhere.
const OWN_FIELDS = new Set(["name", "message", "stack", "cause", "code", "guard"]);
const MAX_CAUSE_DEPTH = 8;

function cloneable(value: unknown): boolean {
  if (value === null || typeof value !== "object") {
    return typeof value !== "function" && typeof value !== "symbol";
  }
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Describes `error` (any thrown value) as a structured-cloneable object:
 * name, message, stack, code, the registered class it revives as, cause
 * (recursively) and other own enumerable properties that can be cloned (a
 * property whose getter throws, or whose value cannot be cloned — a function,
 * a guard — is left out).
 *
 * @example
 * ```ts
 * try { await task(); } catch (error) { port.postMessage({ error: serializeError(error) }); }
 * ```
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return {
      name: "Error",
      message: safeString(error),
      stack: undefined,
      code: undefined,
      props: {},
      nonError: true,
    };
  }
  const unreadable = Symbol("unreadable");
  const read = (key: string): unknown => {
    try {
      return (error as unknown as Record<string, unknown>)[key];
    } catch {
      return unreadable;
    }
  };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (OWN_FIELDS.has(key)) continue;
    const value = read(key);
    if (value !== unreadable && cloneable(value)) props[key] = value;
  }
  const code = read("code");
  const stack = read("stack");
  const className = registeredClassName(error);
  const name = safeString(orDefault(read("name"), "Error"));
  const message = safeString(orDefault(read("message"), ""));
  const serialized: {
    -readonly [K in keyof SerializedError]: SerializedError[K];
  } = {
    name,
    message,
    stack: withHeadLine(stack, name, message),
    code: typeof code === "string" ? code : undefined,
    props,
  };
  if (className !== undefined) serialized.className = className;
  if ("cause" in error && depth < MAX_CAUSE_DEPTH) {
    const cause = read("cause");
    if (cause instanceof Error) serialized.cause = serializeError(cause, depth + 1);
    else if (cause !== unreadable && cloneable(cause)) serialized.cause = { value: cause };
  }
  return serialized;
}

/**
 * Turns a {@link SerializedError} back into an error. It is an instance of
 * the class registered in this thread under its `className` (sabkit's
 * classes, the built-in ones, and yours through {@link registerErrorClass}),
 * so `instanceof` works, made without running that class's constructor; its
 * `name` and message are the original ones, and its stack the remote one.
 *
 * @example
 * ```ts
 * worker.on("message", (m) => { if (m.error) reject(reviveError(m.error)); });
 * ```
 */
export function reviveError(serialized: SerializedError): Error {
  const { byName } = errorRegistry();
  // className first; a description from an older sender has only the name.
  const errorClass =
    (serialized.className !== undefined ? byName.get(serialized.className) : undefined) ??
    byName.get(serialized.name) ??
    Error;
  // Reflect.construct(Error, …, newTarget) makes a real Error object (with
  // the internal slot that util.inspect and structured clone look for) whose
  // prototype is errorClass.prototype, without running errorClass's
  // constructor (their signatures differ).
  const error: Error & Record<string, unknown> = Reflect.construct(
    Error,
    [serialized.message],
    errorClass,
  );
  if (error.name !== serialized.name) define(error, "name", serialized.name);
  define(error, "stack", serialized.stack ?? `${serialized.name}: ${serialized.message}`);
  if (serialized.code !== undefined) error.code = serialized.code;
  for (const [key, value] of Object.entries(serialized.props)) error[key] = value;
  if (error instanceof OwnerDiedError && !("guard" in serialized.props)) error.guard = undefined;
  if (serialized.cause !== undefined) {
    const cause = serialized.cause;
    define(error, "cause", "name" in cause ? reviveError(cause) : cause.value);
  }
  return error;
}

/**
 * The stack as V8 writes it: `Name: message` first, then the frames. Firefox
 * and Safari write only the frames (and sometimes nothing), so a traceback
 * printed or revived elsewhere would not say what was thrown.
 */
function withHeadLine(stack: unknown, name: string, message: string): string | undefined {
  if (typeof stack !== "string" || stack === "") return undefined;
  const head = message === "" ? name : `${name}: ${message}`;
  return stack.startsWith(head) ? stack : `${head}\n${stack}`;
}

function orDefault(value: unknown, fallback: string): unknown {
  return value === undefined || typeof value === "symbol" ? fallback : value;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
