/**
 * The engine: runs the model's logical threads, one at a time, in this JS
 * thread, switching between them at shared-memory operations.
 *
 * JavaScript cannot suspend synchronous code at an arbitrary call, so the
 * engine re-executes instead (stateless model checking, as CHESS does):
 *
 * - Every shared-memory operation of a thread is logged with its result.
 * - To switch away from a thread, the engine throws {@link SUSPEND} out of
 *   the operation the thread was about to perform (before it has any effect)
 *   and marks the thread *unwinding*: every operation it attempts while its
 *   stack unwinds (a `finally`, a `using` guard's release) throws again, with
 *   no effect.
 * - To resume a thread, the engine calls its body again from the start: the
 *   logged operations return their logged results without touching memory
 *   (replay), and the first operation past the log runs for real.
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
 */
import { ExplorerUsageError, type FailureKind, type TraceStep } from "./errors.js";
import { type MemoryHooks, restore } from "./memory.js";

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

interface LogEntry {
  readonly sig: string;
  result: unknown;
}

type Status = "runnable" | "blocked" | "done";

interface Waiter {
  readonly thread: number;
  readonly key: string;
  readonly deadline: number;
  readonly entry: LogEntry;
}

interface ThreadState {
  status: Status;
  log: LogEntry[];
  replayAt: number;
  unwinding: boolean;
  waiter: Waiter | undefined;
  /** Shared operations since the thread's last yield (a pause after none is not a step). */
  sinceYield: number;
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
 * or `undefined` outside an exploration. Code under test that asks core's
 * `threadIdentity()` sees one identity for every logical thread (they share
 * one JS thread); substitute it in the model test:
 *
 * ```ts
 * vi.mock("@sabkit/core", async (importOriginal) => {
 *   const core = await importOriginal<typeof import("@sabkit/core")>();
 *   const { logicalIdentity } = await import("@sabkit/test-utils/explorer");
 *   return { ...core, threadIdentity: () => logicalIdentity() ?? core.threadIdentity() };
 * });
 * ```
 */
export function logicalIdentity(): number | undefined {
  const index = logicalThread();
  return index === undefined ? undefined : LOGICAL_IDENTITY_BASE + index;
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

/** Virtual `Date.now()` at virtual time 0. */
export const VIRTUAL_EPOCH_MS = 1_700_000_000_000;

export class Engine<S> implements MemoryHooks {
  private threads: ThreadState[] = [];
  /** The running logical thread (-1 between threads and outside a schedule). */
  current = -1;
  private waiters = new Map<string, Waiter[]>();
  /** The first live operation after a (re)start runs without a choice: the choice was made. */
  private resumed = false;
  private next = -1;
  private preemptions = 0;
  private halt: Halt | undefined;
  private clock = 0;
  private stepThreads: number[] = [];
  private trace: TraceStep[] = [];
  private record = false;
  private chooser: Chooser | undefined;
  private yielded = false;

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
      log: [],
      replayAt: 0,
      unwinding: false,
      waiter: undefined,
      sinceYield: 0,
      result: undefined,
    }));
    this.waiters.clear();
    this.current = -1;
    this.preemptions = 0;
    this.halt = undefined;
    this.clock = 0;
    this.stepThreads = [];
    this.trace = [];
    this.record = record;
    this.chooser = chooser;
    this.yielded = false;
    running = this;
    try {
      return this.loop();
    } finally {
      running = undefined;
      this.chooser = undefined;
      this.current = -1;
    }
  }

  private loop(): Outcome {
    let next = this.chooseForced();
    const count = this.bodies.length;
    while (next >= 0) {
      this.current = next;
      this.resumed = true;
      this.next = -1;
      const thread = this.threads[next]!;
      thread.replayAt = 0;
      thread.sinceYield = 0;
      let failed = false;
      let error: unknown;
      try {
        thread.result = this.bodies[next]!(this.shared, { index: next, threads: count });
      } catch (caught) {
        failed = true;
        error = caught;
      }
      if (error instanceof ExplorerUsageError) throw error;
      if (this.halt !== undefined) return this.outcome(this.halt);
      if (thread.unwinding) {
        thread.unwinding = false;
        if (!failed) {
          throw new ExplorerUsageError(
            `thread ${next} returned normally after the explorer suspended it: its code caught the ` +
              "explorer's suspension and did not rethrow it. Rethrow errors you do not handle " +
              "(catch (e) { if (!(e instanceof MyError)) throw e; … })",
          );
        }
        next = this.next;
        continue;
      }
      if (failed) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return this.outcome(new Halt("exception", `thread ${next} threw ${message}`), error);
      }
      thread.status = "done";
      this.yielded = false;
      next = this.chooseForced();
      if (this.halt !== undefined) return this.outcome(this.halt);
    }
    return this.outcome(undefined);
  }

  private outcome(halt: Halt | undefined, cause?: unknown): Outcome {
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
      blocked: (thread) => this.threads[thread]!.status === "blocked",
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
    waiter.entry.result = "timed-out";
    if (waiter.deadline > this.clock) this.clock = waiter.deadline;
    t.waiter = undefined;
    t.status = "runnable";
  }

  /** Switches away from the running thread: throws SUSPEND out of its current operation. */
  private suspend(next: number): never {
    this.next = next;
    this.threads[this.current]!.unwinding = true;
    throw SUSPEND;
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
    this.suspend(choice);
  }

  /**
   * Replays or performs one operation. Returns the logged result during
   * replay; otherwise waits for the thread's turn, performs it and logs it.
   */
  op<T>(sig: string, describe: () => string, perform: () => T): T {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    thread.sinceYield++;
    if (thread.replayAt < thread.log.length) return this.replay(thread, sig) as T;
    this.point();
    const result = perform();
    thread.log.push({ sig, result });
    thread.replayAt++;
    this.stepped(describe, result);
    return result;
  }

  private replay(thread: ThreadState, sig: string): unknown {
    const entry = thread.log[thread.replayAt]!;
    if (entry.sig !== sig) {
      throw new ExplorerUsageError(
        `thread ${this.current} is not deterministic: its operation #${thread.replayAt} was ${entry.sig} ` +
          `and is ${sig} when re-run. Thread bodies must depend only on what shared memory returns ` +
          "(no Math.random, no state kept between calls: create objects from handles inside the body)",
      );
    }
    thread.replayAt++;
    return entry.result;
  }

  private stepped(describe: () => string, result: unknown): void {
    const step = this.stepThreads.length;
    this.stepThreads.push(this.current);
    if (this.record) {
      this.trace.push({ step, thread: this.current, op: `${describe()} -> ${String(result)}` });
    }
  }

  plain<T>(
    kind: "read" | "write",
    name: string,
    buffer: number,
    byteIndex: number,
    perform: () => T,
  ): T {
    if (!this.active) return perform();
    return this.op(
      `${kind}:${buffer}:${byteIndex}`,
      () => `b${buffer}${name} (byte ${byteIndex})`,
      perform,
    );
  }

  /** `Atomics.wait` on tracked memory: `compare` returns "not-equal" or "timed-out" (equal) without blocking. */
  wait(key: string, describe: () => string, compare: () => string, timeoutMs: number): string {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    thread.sinceYield++;
    const sig = `wait:${key}`;
    if (thread.replayAt < thread.log.length) return this.replay(thread, sig) as string;
    this.point();
    const compared = compare();
    if (compared === "not-equal" || timeoutMs <= 0) {
      thread.log.push({ sig, result: compared });
      thread.replayAt++;
      this.stepped(describe, compared);
      return compared;
    }
    // Compare and enqueue are one step, as in Atomics.wait.
    const entry: LogEntry = { sig, result: undefined };
    thread.log.push(entry);
    thread.replayAt++;
    const waiter: Waiter = { thread: this.current, key, deadline: this.clock + timeoutMs, entry };
    let queue = this.waiters.get(key);
    if (queue === undefined) this.waiters.set(key, (queue = []));
    queue.push(waiter);
    thread.status = "blocked";
    thread.waiter = waiter;
    this.stepped(describe, "blocks");
    this.yielded = false;
    const next = this.chooseForced();
    if (this.halt !== undefined) this.haltNow(this.halt);
    this.suspend(next);
  }

  /** `Atomics.notify` on tracked memory: wakes up to `count` waiters, oldest first. */
  notify(key: string, describe: () => string, validate: () => void, count: number): number {
    return this.op(`notify:${key}`, describe, () => {
      validate();
      const queue = this.waiters.get(key);
      let woken = 0;
      while (queue !== undefined && queue.length > 0 && woken < count) {
        const waiter = queue.shift()!;
        waiter.entry.result = "ok";
        const t = this.threads[waiter.thread]!;
        t.status = "runnable";
        t.waiter = undefined;
        woken++;
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
    if (thread.replayAt < thread.log.length) {
      this.replay(thread, "yield");
      return;
    }
    this.point();
    thread.log.push({ sig: "yield", result: undefined });
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
        this.suspend(other);
      }
    }
  }

  /** Virtual time in ms (logged, so replays see the same values). */
  now(): number {
    const thread = this.threads[this.current]!;
    if (thread.unwinding || this.halt !== undefined) throw SUSPEND;
    if (thread.replayAt < thread.log.length) return this.replay(thread, "now") as number;
    thread.log.push({ sig: "now", result: this.clock });
    thread.replayAt++;
    return this.clock;
  }
}
