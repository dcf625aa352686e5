import { describe, expect, it } from "vitest";
import {
  AbortError,
  BrokenBarrierError,
  ClosedError,
  DeadlockError,
  EmptyError,
  FullError,
  Guard,
  InvalidHandleError,
  NotOwnerError,
  OwnerDiedError,
  registerErrorClass,
  SabkitError,
  TimeoutError,
  WorkerCrashedError,
} from "../src/index.js";
import { reviveError, serializeError } from "../src/internal.js";

const simple = [
  [TimeoutError, "ERR_SABKIT_TIMEOUT"],
  [ClosedError, "ERR_SABKIT_CLOSED"],
  [FullError, "ERR_SABKIT_FULL"],
  [EmptyError, "ERR_SABKIT_EMPTY"],
  [NotOwnerError, "ERR_SABKIT_NOT_OWNER"],
  [OwnerDiedError, "ERR_SABKIT_OWNER_DIED"],
  [BrokenBarrierError, "ERR_SABKIT_BROKEN_BARRIER"],
] as const;

describe("error classes", () => {
  it.each(simple)(
    "%o has its name, code, default message and instanceof chain",
    (ErrorClass, code) => {
      const error = new ErrorClass();
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(SabkitError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(ErrorClass.name);
      expect(error.code).toBe(code);
      expect(ErrorClass.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(20);
      expect(error.stack?.startsWith(`${ErrorClass.name}: `)).toBe(true);
      expect(Object.keys(error)).not.toContain("name");
    },
  );

  it("keeps a given message and cause", () => {
    const cause = new Error("root");
    const error = new TimeoutError("Lock.acquire timed out after 5 ms", { cause });
    expect(error.message).toBe("Lock.acquire timed out after 5 ms");
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe("TimeoutError: Lock.acquire timed out after 5 ms");
  });

  it("SabkitError is the base with code ERR_SABKIT", () => {
    const error = new SabkitError("x");
    expect(error.name).toBe("SabkitError");
    expect(error.code).toBe("ERR_SABKIT");
  });

  it("InvalidHandleError carries its code", () => {
    const error = new InvalidHandleError("handle.kind is wrong");
    expect(error.code).toBe("ERR_SABKIT_INVALID_HANDLE");
    expect(error.name).toBe("InvalidHandleError");
  });

  it("OwnerDiedError carries a typed guard set by the lock, and the dead owner", () => {
    const guard = new Guard(() => {});
    const error = new OwnerDiedError<Guard>(undefined, { ownerIdentity: 7 });
    expect(error.guard).toBeUndefined();
    error.guard = guard;
    expect(error.guard).toBe(guard);
    expect(error.ownerIdentity).toBe(7);
    const withGuard = new OwnerDiedError("died", { guard });
    expect(withGuard.guard).toBe(guard);
  });

  it("DeadlockError describes the cycle and freezes it", () => {
    const error = new DeadlockError(["thread 2 holds A", "thread 3 holds B", "thread 2"]);
    expect(error.cycle).toEqual(["thread 2 holds A", "thread 3 holds B", "thread 2"]);
    expect(Object.isFrozen(error.cycle)).toBe(true);
    expect(error.message).toContain("thread 2 holds A -> thread 3 holds B -> thread 2");
    expect(error.code).toBe("ERR_SABKIT_DEADLOCK");
  });

  it("WorkerCrashedError carries threadId and exitCode", () => {
    const error = new WorkerCrashedError(12, 1);
    expect(error.threadId).toBe(12);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain("worker 12 exited with code 1");
    expect(error.code).toBe("ERR_SABKIT_WORKER_CRASHED");
  });

  it("AbortError is named AbortError and its cause is the signal's reason", () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    controller.abort(reason);
    const error = new AbortError(controller.signal.reason);
    expect(error.name).toBe("AbortError");
    expect(error.cause).toBe(reason);
    expect(error.code).toBe("ERR_SABKIT_ABORTED");
    expect(error).toBeInstanceOf(SabkitError);
  });
});

describe("serializeError / reviveError", () => {
  const roundTrip = (error: unknown) => reviveError(structuredClone(serializeError(error)));

  it.each([
    new TimeoutError("t"),
    new ClosedError("c"),
    new FullError("f"),
    new EmptyError("e"),
    new NotOwnerError("n"),
    new BrokenBarrierError("b"),
    new InvalidHandleError("i"),
    new SabkitError("s"),
  ])("revives %o as the same sabkit class with name, message, code and stack", (original) => {
    const revived = roundTrip(original) as SabkitError;
    expect(revived).toBeInstanceOf(original.constructor);
    expect(revived).toBeInstanceOf(SabkitError);
    expect(revived.name).toBe(original.name);
    expect(revived.message).toBe(original.message);
    expect(revived.code).toBe(original.code);
    expect(revived.stack).toBe(original.stack);
  });

  it.each([
    new Error("e"),
    new TypeError("t"),
    new RangeError("r"),
    new SyntaxError("s"),
    new ReferenceError("r"),
    new EvalError("e"),
    new URIError("u"),
  ])("revives built-in %o as the same class", (original) => {
    const revived = roundTrip(original);
    expect(revived.constructor).toBe(original.constructor);
    expect(revived.name).toBe(original.name);
    expect(revived.stack).toBe(original.stack);
  });

  it("keeps class-specific fields (WorkerCrashedError, DeadlockError, OwnerDiedError)", () => {
    const crashed = roundTrip(new WorkerCrashedError(4, 137)) as WorkerCrashedError;
    expect(crashed).toBeInstanceOf(WorkerCrashedError);
    expect([crashed.threadId, crashed.exitCode]).toEqual([4, 137]);
    const deadlock = roundTrip(new DeadlockError(["a", "b", "a"])) as DeadlockError;
    expect(deadlock.cycle).toEqual(["a", "b", "a"]);
    const died = roundTrip(
      new OwnerDiedError("d", { guard: new Guard(() => {}), ownerIdentity: 9 }),
    ) as OwnerDiedError;
    expect(died).toBeInstanceOf(OwnerDiedError);
    expect(died.guard).toBeUndefined();
    expect(died.ownerIdentity).toBe(9);
  });

  it("keeps causes, recursively, and AbortError's non-error reason", () => {
    const revived = roundTrip(new TypeError("outer", { cause: new RangeError("inner") }));
    expect(revived.cause).toBeInstanceOf(RangeError);
    expect((revived.cause as Error).message).toBe("inner");
    const aborted = roundTrip(new AbortError("user cancelled"));
    expect(aborted).toBeInstanceOf(AbortError);
    expect(aborted.cause).toBe("user cancelled");
  });

  it("revives an unknown class as an Error with the original name and code", () => {
    class MyError extends Error {
      override name = "MyError";
      code = "E_MINE";
      detail = { n: 1 };
      callback = () => {};
    }
    const revived = roundTrip(new MyError("mine")) as Error & Record<string, unknown>;
    expect(revived.constructor).toBe(Error);
    expect(revived.name).toBe("MyError");
    expect(revived.code).toBe("E_MINE");
    expect(revived.detail).toEqual({ n: 1 });
    expect("callback" in revived).toBe(false);
  });

  it("describes thrown non-errors and errors with throwing getters", () => {
    expect(roundTrip("a string").message).toBe("a string");
    expect(roundTrip(undefined).message).toBe("undefined");
    const hostile = new Error("hostile");
    Object.defineProperty(hostile, "trap", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    const revived = roundTrip(hostile) as Error & Record<string, unknown>;
    expect(revived.message).toBe("hostile");
    expect("trap" in revived).toBe(false);
  });

  it("bounds the depth of cyclic causes", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    let revived: unknown = roundTrip(a);
    let depth = 0;
    while (revived instanceof Error) {
      revived = revived.cause;
      depth++;
    }
    expect(depth).toBe(9);
  });
});

describe("error names and classes under minification, across workers", () => {
  const roundTrip = (error: unknown): Error => reviveError(structuredClone(serializeError(error)));

  it("names come from string literals, not from the class's (possibly minified) name", () => {
    // What a minifier makes of `class TimeoutError extends SabkitError`: a class named "E".
    const renamed = { E: class extends TimeoutError {} }.E;
    expect(renamed.name).toBe("E");
    expect(new renamed().name).toBe("TimeoutError");
    expect(String(new renamed("slow"))).toBe("TimeoutError: slow");
    expect(new TimeoutError().name).toBe("TimeoutError");
    expect(new AbortError().name).toBe("AbortError");
  });

  it("a registered class of the program's own arrives as itself, whatever its class name", () => {
    // The same class under a minified name: registration by a string literal is what counts.
    const QuotaError = { q: class extends RangeError {} }.q;
    registerErrorClass("test.QuotaError", QuotaError);
    const revived = roundTrip(new QuotaError("over quota"));
    expect(revived).toBeInstanceOf(QuotaError);
    expect(revived).toBeInstanceOf(RangeError);
    expect(revived.message).toBe("over quota");
    expect(serializeError(new QuotaError("x")).className).toBe("test.QuotaError");
  });

  it("an unregistered subclass arrives as its nearest registered ancestor, keeping its name", () => {
    class Slow extends TimeoutError {
      override name = "Slow";
    }
    class Slower extends Slow {}
    const revived = roundTrip(new Slower("very")) as TimeoutError;
    expect(revived).toBeInstanceOf(TimeoutError);
    expect(revived.name).toBe("Slow");
    expect(revived.code).toBe("ERR_SABKIT_TIMEOUT");
    expect(serializeError(new Slower("x")).className).toBe("TimeoutError");
  });

  it("a second copy of a class registered under the same name revives as the newer one; both serialize by name", () => {
    const First = class extends Error {};
    const Second = class extends Error {};
    registerErrorClass("test.Twice", First);
    registerErrorClass("test.Twice", Second);
    expect(serializeError(new First("a")).className).toBe("test.Twice");
    expect(roundTrip(new First("a"))).toBeInstanceOf(Second);
  });

  it("registerErrorClass refuses an empty name and a class that does not extend Error", () => {
    expect(() => registerErrorClass("", Error)).toThrow(TypeError);
    expect(() => registerErrorClass("x", class {} as never)).toThrow(
      'registerErrorClass("x"): errorClass must be a class that extends Error',
    );
    expect(() => registerErrorClass(7 as never, Error)).toThrow("non-empty string literal");
  });

  it("a stack of frames only (as Firefox writes them) gains the Name: message line", () => {
    const error = new RangeError("out of range");
    Object.defineProperty(error, "stack", {
      value: "fails@http://x/target.js:2:9\nrun@http://x/b.js:1:1\n",
    });
    expect(serializeError(error).stack).toBe(
      "RangeError: out of range\nfails@http://x/target.js:2:9\nrun@http://x/b.js:1:1\n",
    );
    const v8 = new TypeError("bad");
    expect(serializeError(v8).stack).toBe(v8.stack);
  });

  it("an empty stack (as some engines give) is no stack: the revived one names the error", () => {
    const error = new RangeError("bare");
    Object.defineProperty(error, "stack", { value: "" });
    expect(serializeError(error).stack).toBeUndefined();
    expect(roundTrip(error).stack).toBe("RangeError: bare");
  });
});
