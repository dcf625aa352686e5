/**
 * The engine: runs the model's logical threads, one at a time, in this JS
 * thread, switching between them at shared-memory operations.
 *
 * JavaScript cannot suspend synchronous code at an arbitrary call, so the
 * engine nests threads on the JS stack and re-executes the rest (stateless
 * model checking, as CHESS does):
 *
 * - Every shared-memory operation of a thread is logged with its result.
 * - To switch to a thread that is not on the stack, the engine calls its
 *   body from inside the operation the running thread stopped at (before
 *   that operation has any effect). Switching back to a thread still on the
 *   stack is a return from that call: no re-execution.
 * - To switch to a thread further down the stack, the engine throws
 *   {@link SUSPEND} out of the operations of every thread above it and marks
 *   them *unwinding*: every operation they attempt while their stacks unwind
 *   (a `finally`, a `using` guard's release) throws again, with no effect.
 * - To resume an unwound thread, the engine calls its body again from the
 *   start: the logged operations return their logged results without
 *   touching memory (replay), and the first operation past the log runs for
 *   real.
 *
 * So a thread body must be deterministic given what its shared-memory
 * operations return: no `Math.random`, no state kept outside the body between
 * calls (create objects from handles inside the body). Clocks are virtual
 * (`performance.now`, `Date.now` are logged and replayed). A thread whose
 * replay performs a different operation than the log is reported as an
 * {@link ExplorerUsageError}.
 *
 * Memory model: operations are interleaved under sequential consistency
 * (like loom without its weak-memory mode). Plain accesses of tracked memory
 * are scheduling points too, so publishing an index before its payload is
 * found; tearing within one plain access is not modelled.
 *
 * `Atomics.wait` is modelled exactly: comparing and enqueueing are one step;
 * waiters queue per (buffer, byte index) in FIFO order; `notify` wakes the
 * oldest; a finite timeout is a choice of the scheduler (the waiter can time
 * out at any point, which moves the virtual clock to its deadline).
 * `Atomics.waitAsync` enqueues an async waiter in the same queue without
 * blocking; {@link awaitAsyncWait} blocks the thread until it settles.
 */
import { ExplorerUsageError, type FailureKind, type TraceStep } from "./errors.js";
import { type MemoryHooks, restore } from "./memory.js";
import { describeSig, LIVE, opSig } from "./ops.js";

/** Thrown out of a thread's operation to switch away from it. Rethrow what you do not handle. */
export const SUSPEND: object = Object.freeze({
  toString: () =>
    "sabkit explorer: thread suspended (this value must propagate: rethrow errors you do not handle)",
});

/** A point where the scheduler chooses which thread performs the next step. */
export interface ChoicePoint {
  /** The thread that was running (-1 before the first step). */
  readonly current: number;
  /**
   * Threads that may run the next step. When `forced` is false the first is
   * `current` (continuing costs nothing; any other choice is a preemption).
   * A thread blocked in a wait with a finite timeout is an option too:
   * choosing it times its wait out.
   */
  readonly options: readonly number[];
  /** `current` cannot continue (it blocked, finished or yielded): any choice is free. */
  readonly forced: boolean;
  /** Index of the step about to run. */
  readonly step: number;
  /** Preemptions so far in this schedule. */
  readonly preemptions: number;
  /** Whether each option is blocked (choosing it times it out). */
  readonly blocked: (thread: number) => boolean;
  /** Whether the step before this point was a yield (`Atomics.pause`) of `current`. */
  readonly yielded: boolean;
}

export interface Chooser {
  choose(point: ChoicePoint): number;
}

export type ThreadBody<S> = (shared: S, thread: ThreadContext) => unknown;

export interface ThreadContext {
  /** 0-based index of this logical thread. */
  readonly index: number;
  /** How many logical threads the model has. */
  readonly threads: number;
}

export interface EngineOptions {
  maxSteps: number;
  /** `any`: a timed wait may time out at any step; `when-stuck`: only when no thread can run. */
  timeouts: "any" | "when-stuck";
}

export interface Outcome {
  /** `undefined`: every thread finished (the model's check is the caller's). */
  readonly failure?: { kind: FailureKind; detail: string; cause?: unknown };
  /** The thread that ran each step. */
  readonly steps: readonly number[];
  readonly results: readonly unknown[];
  /** Operation descriptions, when recorded. */
  readonly trace: readonly TraceStep[];
}

type Status = "runnable" | "blocked" | "done";

interface Waiter {
  readonly thread: number;
  readonly key: string;
  readonly deadline: number;
  /**
   * Index of the entry in the thread's log that receives the result when the
   * waiter wakes (an async waiter: its await's entry, -1 until awaited).
   */
  entry: number;
  /** An `Atomics.waitAsync` waiter: resolved by notify or timeout, awaited with {@link awaitAsyncWait}. */
  readonly async?: AsyncWaiter;
}

/** The state of one `Atomics.waitAsync` that registered a waiter. */
export interface AsyncWaiter {
  waiter: Waiter;
  /** `"ok"` (notified) or `"timed-out"`, once settled. */
  result: string | undefined;
  /** Reactions registered through the thenable the waitAsync returned. */
  reactions: ((result: string) => void)[];
}

interface ThreadState {
  status: Status;
  /** Signatures and results of the thread's operations so far (parallel arrays). */
  sigs: number[];
  results: unknown[];
  replayAt: number;
  unwinding: boolean;
  waiter: Waiter | undefined;
  /** Shared operations since the thread's last yield (a pause after none is not a step). */
  sinceYield: number;
  /** What the thread's latest `Atomics.waitAsync` returned: a settled result or its waiter. */
  lastAsync: string | AsyncWaiter | undefined;
  result: unknown;
}

class Halt {
  constructor(
    readonly kind: FailureKind,
    readonly detail: string,
  ) {}
}

/** The engine running a schedule right now, if any (one at a time per JS thread). */
let running: { readonly current: number } | undefined;

/** Index of the logical thread running right now, or `undefined` outside an exploration's threads. */
export function logicalThread(): number | undefined {
  const engine = running;
  return engine === undefined || engine.current < 0 ? undefined : engine.current;
}

/**
 * The first identity the explorer gives logical threads: thread `k` is
 * `LOGICAL_IDENTITY_BASE + k`. It lies in core's fallback range (>= 2^30),
 * whose liveness is unknown (`isThreadAlive` returns `undefined`), so locks
 * neither take over a logical thread's lock nor sleep in liveness slices.
 */
export const LOGICAL_IDENTITY_BASE = 2 ** 30 + 0x1000;

/**
 * The identity of the running logical thread (`LOGICAL_IDENTITY_BASE + index`),
 * or `undefined` outside an exploration. While a model runs, the explorer
 * installs it as core's thread-identity provider (`setThreadIdentityProvider`
 * in `@sabkit/core/internal`), so code under test that asks core's
 * `threadIdentity()` sees one identity per logical thread.
 */
export function logicalIdentity(): number | undefined {
  const index = logicalThread();
  return index === undefined ? undefined : LOGICAL_IDENTITY_BASE + index;
}

/**
 * Models `await waitAsync(...)` in a logical thread (thread bodies are
 * synchronous): calls `start`, which must call `Atomics.waitAsync` on
 * tracked memory (directly or through `@sabkit/atomics-sync-polyfill`'s
 * `waitAsync`, whose own code runs for real), then blocks the logical thread
 * until that wait settles, and returns its result (`"ok"`, `"not-equal"`,
 * `"timed-out"`). The waiter queues FIFO with blocking waiters, a notify
 * counts it, and a finite timeout is a scheduler choice while it is awaited.
 *
 * ```ts
 * const result = awaitAsyncWait(() => waitAsync(i32, 0, 0, 50)); // "ok" | "not-equal" | "timed-out"
 * ```
 *
 * @throws ExplorerUsageError outside a logical thread, or when `start` made no `Atomics.waitAsync`
 */
export function awaitAsyncWait(start: () => unknown): string {
  const engine = running as Engine<unknown> | undefined;
  if (engine === undefined || engine.current < 0) {
    throw new ExplorerUsageError(
      "awaitAsyncWait is for the body of a logical thread (under explore)",
    );
  }
  const started = start() as { catch?: (fn: (e: unknown) => void) => unknown } | undefined;
  // The promise a wait layer returns is not awaited here: keep a rejection from going unhandled.
  if (started !== null && typeof started === "object" && typeof started.catch === "function") {
    started.catch(() => {});
  }
  return engine.awaitAsync(AWAIT_SIG);
}

/**
 * `Atomics.pause()` where present (typed, as TypeScript's lib has no
 * `Atomics.pause` yet). Under the explorer it is a yield: the thread steps
 * aside for another runnable one, which is how a spin loop in a model lets
 * the thread it waits for run without spending a preemption.
 */
export function pause(): void {
  (Atomics as unknown as { pause?: () => void }).pause?.();
}

/** Settles an async wait and runs the reactions registered on its thenable. */
function settleAsync(w: AsyncWaiter, result: string): void {
  if (w.result !== undefined) return;
  w.result = result;
  const reactions = w.reactions;
  w.reactions = [];
  for (const react of reactions) react(result);
}

const YIELD_SIG = opSig("yield");
const NOW_SIG = opSig("now");
const AWAIT_SIG = opSig("await");

/** Virtual `Date.now()` at virtual time 0. */
export const VIRTUAL_EPOCH_MS = 1_700_000_000_000;

export class Engine<S> implements MemoryHooks {
  private threads: ThreadState[] = [];
  /** The running logical thread (-1 between threads and outside a schedule). */
  current = -1;
  private waiters = new Map<string, Waiter[]>();
  /** The first live operation after a (re)start runs without a choice: the choice was made. */
  private resumed = false;
  /** The thread an unwinding thread switches to (read by the frame that catches it). */
  private next = -1;
  private preemptions = 0;
  private halt: Halt | undefined;
  private haltCause: unknown;
  /** A misuse found while threads are nested: thrown once the stack has unwound. */
  private usage: ExplorerUsageError | undefined;
  /** Every async waiter of this schedule (settled at its end, so no reaction is left pending). */
  private asyncWaiters: AsyncWaiter[] = [];
  /** Whether each thread's body is on the JS stack (suspended in an operation, or running). */
  private onStack: boolean[] = [];
  private clock = 0;
  private stepThreads: number[] = [];
  private trace: TraceStep[] = [];
  private record = false;
  private chooser: Chooser | undefined;
  private yielded = false;
  private readonly isBlocked = (thread: number): boolean =>
    this.threads[thread]!.status === "blocked";

  constructor(
    private readonly bodies: readonly ThreadBody<S>[],
    private readonly shared: S,
    private readonly saved: readonly Uint8Array[],
    private options: EngineOptions,
  ) {}

  /** Sets the step bound and timeout policy for the next runs. */
  configure(options: EngineOptions): void {
    this.options = options;
  }

  /** Whether a logical thread is running (shared operations are scheduled). */
  get active(): boolean {
    return this.current >= 0 && this.chooser !== undefined;
  }

  /** Runs one schedule from the initial memory. */
  run(chooser: Chooser, record: boolean): Outcome {
    restore(this.saved);
    this.threads = this.bodies.map(() => ({
      status: "runnable" as Status,
      sigs: [],
      results: [],
      replayAt: 0,
      unwinding: false,
      waiter: undefined,
      sinceYield: 0,
      lastAsync: undefined,
      result: undefined,
    }));
    this.waiters.clear();
    this.current = -1;
    this.preemptions = 0;
    this.halt = undefined;
    this.haltCause = undefined;
    this.usage = undefined;
    this.onStack = this.bodies.map(() => false);
    this.asyncWaiters = [];
    this.clock = 0;
    this.stepThreads = [];
    this.trace = [];
    this.record = record;
    this.chooser = chooser;
    this.yielded = false;
    running = this;
    // Exploring throws and catches many errors (the suspension, and the
    // SuppressedError a `using` block wraps it in): no stack traces then.
    // Recorded runs (replays, a failure's trace) keep them for the report.
    const stackLimit = Error.stackTraceLimit;
    if (!record) Error.stackTraceLimit = 0;
    try {
      return this.loop();
    } finally {
      Error.stackTraceLimit = stackLimit;
      running = undefined;
      // Waits never settled in this schedule (their thread finished or the
      // schedule failed) settle now, outside the schedule, so that the code
      // that registered reactions (the wait layer's keep-alive) lets go.
      for (const w of this.asyncWaiters) if (w.result === undefined) settleAsync(w, "timed-out");
      this.chooser = undefined;
      this.current = -1;
    }
  }

  private loop(): Outcome {
    const first = this.chooseForced();
    if (first >= 0 && this.halt === undefined) this.runFrom(-1, first);
    if (this.usage !== undefined) throw this.usage;
    return this.outcome(this.halt, this.haltCause);
  }

  /**
   * Runs threads, starting with `next`, above the frame of thread `self`
   * (-1: the engine's loop), until the schedule gives `self` the next step
   * (returns) or `self` must unwind because a thread below it runs next, or
   * the schedule ended (throws {@link SUSPEND} with `self` unwinding).
   *
   * Threads nest on the JS stack: a thread that switches to one not on the
   * stack calls its body from inside the operation it stopped at, so
   * switching back to it costs nothing (no re-execution). Only a switch to a
   * thread further down the stack unwinds the threads above it, which then
   * re-execute (replay) when they run again.
   */
  private runFrom(self: number, next: number): void {
    for (;;) {
      if (next === self) {
        this.current = self;
        this.resumed = false;
        return;
      }
      if (this.onStack[next]) {
        // A thread below self runs next: unwind self (its body re-executes later).
        this.current = self;
        this.next = next;
        this.threads[self]!.unwinding = true;
        throw SUSPEND;
      }
      const ended = this.runBody(next);
      this.current = self;
      if (this.halt !== undefined || this.usage !== undefined) {
        if (self < 0) return;
        this.threads[self]!.unwinding = true;
        throw SUSPEND;
      }
      if (ended === "unwound") next = this.next;
      else {
        // `next` finished: a free choice among the others.
        this.current = next;
        this.yielded = false;
        const chosen = this.chooseForced();
        this.current = self;
        if (this.halt !== undefined || chosen < 0) {
          if (self < 0) return;
          this.threads[self]!.unwinding = true;
          throw SUSPEND;
        }
        next = chosen;
      }
    }
  }

  /** Calls thread `index`'s body (from the start: its log replays) until it finishes or unwinds. */
  private runBody(index: number): "done" | "unwound" | "halted" {
    const thread = this.threads[index]!;
    this.onStack[index] = true;
    this.current = index;
    this.resumed = true;
    thread.replayAt = 0;
    thread.sinceYield = 0;
    let failed = false;
    let error: unknown;
    try {
      thread.result = this.bodies[index]!(this.shared, { index, threads: this.bodies.length });
    } catch (caught) {
      failed = true;
      error = caught;
    }
    this.onStack[index] = false;
    this.current = index;
    if (error instanceof ExplorerUsageError) {
      this.usage ??= error;
      return "halted";
    }
    if (this.halt !== undefined || this.usage !== undefined) {
      thread.unwinding = false;
      return "halted";
    }
    if (thread.unwinding) {
      thread.unwinding = false;
      if (!failed) {
        this.usage = new ExplorerUsageError(
          `thread ${index} returned normally after the explorer suspended it: its code caught the ` +
            "explorer's suspension and did not rethrow it. Rethrow errors you do not handle " +
            "(catch (e) { if (!(e instanceof MyError)) throw e; … })",
        );
        return "halted";
      }
      return "unwound";
    }
    if (failed) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.halt = new Halt("exception", `thread ${index} threw ${message}`);
      this.haltCause = error;
      return "halted";
    }
    thread.status = "done";
    return "done";
  }

  private outcome(halt: Halt | undefined, cause: unknown): Outcome {
    return {
      failure: halt === undefined ? undefined : { kind: halt.kind, detail: halt.detail, cause },
      steps: this.stepThreads,
      results: this.threads.map((t) => t.result),
      trace: this.trace,
    };
  }

  /** Options when `current` cannot continue; -1 when every thread has finished. Sets `halt` on a deadlock. */
  private chooseForced(): number {
    const options = this.enabled(-1);
    if (options.length === 0) {
      const blocked = this.threads.flatMap((t, i) => (t.status === "blocked" ? [i] : []));
      if (blocked.length > 0) {
        const what = blocked.map((i) => `thread ${i} waits on ${this.threads[i]!.waiter!.key}`);
        this.halt = new Halt(
          "deadlock",
          `every unfinished thread is blocked and nothing can wake it (${what.join("; ")}): a lost wake-up or a deadlock`,
        );
      }
      return -1;
    }
    const choice = options.length === 1 ? options[0]! : this.ask(options, true);
    // Timing a waiter out while another thread could run is a choice nothing
    // forced: it costs a preemption (else a waiter could time out and retry
    // without bound at no cost).
    if (
      this.threads[choice]!.status === "blocked" &&
      options.some((o) => this.threads[o]!.status === "runnable")
    ) {
      this.preemptions++;
    }
    this.prepare(choice);
    return choice;
  }

  /**
   * Runnable threads other than `except`, then timed waiters when the
   * timeout policy allows them here: always under `any`, and under
   * `when-stuck` only at a forced point where nothing else can run.
   */
  private enabled(except: number, forced = true): number[] {
    const runnable: number[] = [];
    const timed: number[] = [];
    for (let i = 0; i < this.threads.length; i++) {
      if (i === except) continue;
      const t = this.threads[i]!;
      if (t.status === "runnable") runnable.push(i);
      else if (t.status === "blocked" && t.waiter!.deadline !== Number.POSITIVE_INFINITY)
        timed.push(i);
    }
    if (this.options.timeouts === "any" || (forced && runnable.length === 0))
      runnable.push(...timed);
    return runnable;
  }

  private ask(options: number[], forced: boolean): number {
    const choice = this.chooser!.choose({
      current: this.current,
      options,
      forced,
      step: this.stepThreads.length,
      preemptions: this.preemptions,
      blocked: this.isBlocked,
      yielded: this.yielded,
    });
    if (!options.includes(choice)) {
      throw new ExplorerUsageError(
        `scheduler chose thread ${choice}, not one of ${options.join(", ")}`,
      );
    }
    return choice;
  }

  /** Makes `thread` runnable (timing its wait out if it is blocked). */
  private prepare(thread: number): void {
    const t = this.threads[thread]!;
    if (t.status !== "blocked") return;
    const waiter = t.waiter!;
    const queue = this.waiters.get(waiter.key)!;
    queue.splice(queue.indexOf(waiter), 1);
    t.results[waiter.entry] = "timed-out";
    if (waiter.async !== undefined) settleAsync(waiter.async, "timed-out");
    if (waiter.deadline > this.clock) this.clock = waiter.deadline;
    t.waiter = undefined;
    t.status = "runnable";
  }

  /**
   * Gives the next step to `next`: returns when the running thread's turn
   * comes back while it is still on the stack, or throws SUSPEND (unwinding it).
   */
  private switchTo(next: number): void {
    this.runFrom(this.current, next);
  }

  private haltNow(halt: Halt): never {
    this.halt = halt;
    this.threads[this.current]!.unwinding = true;
    throw SUSPEND;
  }

  /**
   * The scheduling point before a live operation of the running thread:
   * returns if it may perform it now, otherwise switches away.
   */
  private point(): void {
    if (this.resumed) {
      this.resumed = false;
      return;
    }
    if (this.stepThreads.length >= this.options.maxSteps) {
      this.haltNow(
        new Halt(
          "livelock",
          `the schedule did not finish within ${this.options.maxSteps} steps (a thread spins without end, or threads keep each other busy)`,
        ),
      );
    }
    const others = this.enabled(this.current, false);
    if (others.length === 0) return;
    const options = [this.current, ...others];
    this.yielded = false;
    const choice = this.ask(options, false);
    if (choice === this.current) return;
    this.preemptions++;
    this.prepare(choice);
    this.switchTo(choice);
  }

  /**
   * Replays or performs one operation. Returns the logged result during
   * replay; otherwise waits for the thread's turn, performs it and logs it.
   */
  op<T>(sig: number, describe: () => string, perform: () => T): T {
    const replayed = this.enter(sig);
    return replayed !== LIVE ? (replayed as T) : this.live(sig, describe, perform);
  }

  /**
   * The first half of {@link op}, for callers that avoid building closures
   * on the (frequent) replay path: the logged result during replay, or
   * {@link LIVE}, after which the caller must call {@link live}.
   */
  enter(sig: number): unknown {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    thread.sinceYield++;
    if (thread.replayAt < thread.sigs.length) return this.replay(thread, sig);
    return LIVE;
  }

  /** The second half of {@link op}: waits for the thread's turn, performs and logs. */
  live<T>(sig: number, describe: () => string, perform: () => T): T {
    this.point();
    const result = perform();
    const thread = this.threads[this.current]!;
    thread.sigs.push(sig);
    thread.results.push(result);
    thread.replayAt++;
    this.stepped(describe, result);
    return result;
  }

  private replay(thread: ThreadState, sig: number): unknown {
    const at = thread.replayAt;
    if (thread.sigs[at] !== sig) {
      throw new ExplorerUsageError(
        `thread ${this.current} is not deterministic: its operation #${at} was ${describeSig(thread.sigs[at]!)} ` +
          `and is ${describeSig(sig)} when re-run. Thread bodies must depend only on what shared memory returns ` +
          "(no Math.random, no state kept between calls: create objects from handles inside the body)",
      );
    }
    thread.replayAt = at + 1;
    return thread.results[at];
  }

  private stepped(describe: () => string, result: unknown): void {
    const step = this.stepThreads.length;
    this.stepThreads.push(this.current);
    if (this.record) {
      this.trace.push({ step, thread: this.current, op: `${describe()} -> ${String(result)}` });
    }
  }

  /** `Atomics.wait` on tracked memory: `compare` returns "not-equal" or "timed-out" (equal) without blocking. */
  wait(
    sig: number,
    key: string,
    describe: () => string,
    compare: () => string,
    timeoutMs: number,
  ): string {
    const replayed = this.enter(sig);
    if (replayed !== LIVE) return replayed as string;
    const thread = this.threads[this.current]!;
    this.point();
    const compared = compare();
    thread.sigs.push(sig);
    thread.replayAt++;
    if (compared === "not-equal" || timeoutMs <= 0) {
      thread.results.push(compared);
      this.stepped(describe, compared);
      return compared;
    }
    // Compare and enqueue are one step, as in Atomics.wait.
    const entry = thread.results.push(undefined) - 1;
    const waiter: Waiter = { thread: this.current, key, deadline: this.clock + timeoutMs, entry };
    let queue = this.waiters.get(key);
    if (queue === undefined) this.waiters.set(key, (queue = []));
    queue.push(waiter);
    return this.blockOn(thread, waiter, entry, describe);
  }

  /**
   * Ends the current step with `thread` blocked on `waiter` and runs other
   * threads until a notify or a timeout settles it; returns the result
   * logged at `entry`.
   */
  private blockOn(
    thread: ThreadState,
    waiter: Waiter,
    entry: number,
    describe: () => string,
  ): string {
    thread.status = "blocked";
    thread.waiter = waiter;
    this.stepped(describe, "blocks");
    this.yielded = false;
    const next = this.chooseForced();
    if (this.halt !== undefined) this.haltNow(this.halt);
    this.switchTo(next);
    // Woken (notify) or timed out (prepare): the result is in the log. The
    // choice of this thread was the step's choice: its next operation runs
    // without another (as after a re-execution).
    this.resumed = true;
    return thread.results[entry] as string;
  }

  /**
   * `Atomics.waitAsync` on tracked memory: compare and (when equal, with a
   * timeout > 0) enqueue an async waiter in the same FIFO queue as blocking
   * waiters, in one step. The thread does not block: it gets
   * `{ async: true, value: thenable }`, settled by a notify or by a timeout
   * (a choice of the scheduler while the thread awaits it).
   */
  waitAsync(
    sig: number,
    key: string,
    describe: () => string,
    compare: () => string,
    timeoutMs: number,
  ): { async: false; value: string } | { async: true; value: PromiseLike<string> } {
    let outcome = this.enter(sig) as string | AsyncWaiter | typeof LIVE;
    if (outcome === LIVE) {
      outcome = this.live(sig, describe, (): string | AsyncWaiter => {
        const compared = compare();
        if (compared === "not-equal" || timeoutMs <= 0) return compared;
        const waiter: Waiter = {
          thread: this.current,
          key,
          deadline: this.clock + timeoutMs,
          entry: -1,
          async: undefined,
        };
        const w: AsyncWaiter = { waiter, result: undefined, reactions: [] };
        (waiter as { async?: AsyncWaiter }).async = w;
        let queue = this.waiters.get(key);
        if (queue === undefined) this.waiters.set(key, (queue = []));
        queue.push(waiter);
        this.asyncWaiters.push(w);
        return w;
      });
    }
    this.threads[this.current]!.lastAsync = outcome;
    if (typeof outcome === "string") return { async: false, value: outcome };
    const w = outcome;
    return {
      async: true,
      value: {
        // A thenable: reactions run when the wait settles (synchronously, in the step that settles it).
        // biome-ignore lint/suspicious/noThenProperty: it stands for the promise Atomics.waitAsync returns
        then<A = string, B = never>(
          onSettled?: ((result: string) => A | PromiseLike<A>) | null,
        ): PromiseLike<A | B> {
          if (typeof onSettled === "function") {
            if (w.result !== undefined) onSettled(w.result);
            else w.reactions.push((result) => void onSettled(result));
          }
          return this as unknown as PromiseLike<A | B>;
        },
      },
    };
  }

  /**
   * The running thread awaits its latest `Atomics.waitAsync`: one step that
   * returns its result at once when it has settled (or did not wait), and
   * otherwise blocks the thread until a notify or a timeout settles it.
   */
  awaitAsync(sig: number): string {
    const thread = this.threads[this.current]!;
    const pending = thread.lastAsync;
    if (pending === undefined) {
      throw new ExplorerUsageError(
        "awaitAsyncWait: the function did not call Atomics.waitAsync (or the wait layer's waitAsync) on tracked memory",
      );
    }
    thread.lastAsync = undefined;
    const replayed = this.enter(sig);
    if (replayed !== LIVE) return replayed as string;
    if (typeof pending === "string" || pending.result !== undefined) {
      const result = typeof pending === "string" ? pending : pending.result!;
      return this.live(
        sig,
        () => `await waitAsync -> ${result}`,
        () => result,
      );
    }
    this.point();
    if (pending.result !== undefined) {
      // Settled while this thread waited for its turn.
      thread.sigs.push(sig);
      thread.results.push(pending.result);
      thread.replayAt++;
      this.stepped(() => "await waitAsync", pending.result);
      return pending.result;
    }
    thread.sigs.push(sig);
    thread.replayAt++;
    const entry = thread.results.push(undefined) - 1;
    pending.waiter.entry = entry;
    return this.blockOn(
      thread,
      pending.waiter,
      entry,
      () => `await waitAsync (${pending.waiter.key})`,
    );
  }

  /** `Atomics.notify` on tracked memory: wakes up to `count` waiters, oldest first. */
  notify(
    sig: number,
    key: string,
    describe: () => string,
    validate: () => void,
    count: number,
  ): number {
    return this.op(sig, describe, () => {
      validate();
      const queue = this.waiters.get(key);
      let woken = 0;
      while (queue !== undefined && queue.length > 0 && woken < count) {
        const waiter = queue.shift()!;
        woken++;
        if (waiter.async !== undefined) {
          settleAsync(waiter.async, "ok");
          // Not awaited yet: the thread runs on; its await will find "ok".
          if (waiter.entry < 0) continue;
        }
        const t = this.threads[waiter.thread]!;
        t.results[waiter.entry] = "ok";
        t.status = "runnable";
        t.waiter = undefined;
      }
      return woken;
    });
  }

  /**
   * `Atomics.pause`: a yield. After at least one shared operation since the
   * thread's last yield, it is a step after which the thread steps aside for
   * the next runnable thread in cyclic order (a free switch, not a
   * preemption, and not a choice); otherwise nothing.
   */
  pause(): void {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    if (thread.sinceYield === 0) return;
    thread.sinceYield = 0;
    if (thread.replayAt < thread.sigs.length) {
      this.replay(thread, YIELD_SIG);
      return;
    }
    this.point();
    thread.sigs.push(YIELD_SIG);
    thread.results.push(undefined);
    thread.replayAt++;
    this.stepped(() => "Atomics.pause() (yield)", undefined);
    // The next runnable thread in cyclic order: a yield is not a branch of
    // the search (a spin loop of n yields would multiply the schedules by
    // 2^n with three threads), only a fair, free hand-off.
    const count = this.threads.length;
    for (let k = 1; k < count; k++) {
      const other = (this.current + k) % count;
      if (this.threads[other]!.status === "runnable") {
        this.yielded = true;
        this.switchTo(other);
        // Chosen again: its next operation runs without another choice.
        this.resumed = true;
        return;
      }
    }
  }

  /** Virtual time in ms (logged, so replays see the same values). */
  now(): number {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    if (thread.replayAt < thread.sigs.length) return this.replay(thread, NOW_SIG) as number;
    thread.sigs.push(NOW_SIG);
    thread.results.push(this.clock);
    thread.replayAt++;
    return this.clock;
  }
}
