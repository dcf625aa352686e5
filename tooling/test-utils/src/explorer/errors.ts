/**
 * What the explorer reports: a failure found in a schedule (with the seed and
 * the schedule that replay it), or a misuse of the explorer itself.
 */

/** The kinds of failure a schedule can end with. */
export type FailureKind =
  /** A thread threw (an `assert`, an unexpected error from the code under test). */
  | "exception"
  /** Every unfinished thread is blocked in a wait that no one will notify: a lost wake-up, or a real deadlock. */
  | "deadlock"
  /** The schedule exceeded `maxSteps` (a thread spins without end, or threads keep each other busy). */
  | "livelock"
  /** The model's `check` threw after every thread had finished. */
  | "final-state";

/** One shared-memory operation of the failing schedule, in execution order. */
export interface TraceStep {
  readonly step: number;
  readonly thread: number;
  readonly op: string;
}

/** A failure found by {@link explore}: everything needed to understand and replay it. */
export class ExplorationFailure extends Error {
  override readonly name = "ExplorationFailure";
  constructor(
    readonly kind: FailureKind,
    readonly detail: string,
    /** The schedule: the thread that ran each step, run-length encoded (`"0*4 1*2 0*3"`). Pass it to `replay`. */
    readonly schedule: string,
    /** The seed of the schedule (random and PCT modes), or `undefined` (exhaustive and replay modes). */
    readonly seed: number | undefined,
    /** The schedule after shrinking (fewer context switches), or the original when it could not be shrunk. */
    readonly shrunk: string,
    /** The operations of the shrunk schedule, thread by thread in execution order. */
    readonly trace: readonly TraceStep[],
    /** The model's name. */
    readonly model: string,
    /** How many schedules ran before this one failed (1-based index of the failing schedule). */
    readonly scheduleNumber: number,
    /** What a thread threw, for `exception` and `final-state` failures. */
    override readonly cause?: unknown,
  ) {
    super(
      `${model}: ${kind} in schedule ${scheduleNumber}: ${detail}\n` +
        (seed !== undefined
          ? `  seed: ${seed} (replay: explore(model, { mode, seed: ${seed}, schedules: 1 }))\n`
          : "") +
        `  schedule: "${schedule}"\n` +
        `  shrunk:   "${shrunk}" (replay: replay(model, "${shrunk}"))\n` +
        `  trace of the shrunk schedule:\n${formatTrace(trace)}`,
    );
  }
}

/** A misuse of the explorer (a nondeterministic thread, an untracked wait, a swallowed suspension). */
export class ExplorerUsageError extends Error {
  override readonly name = "ExplorerUsageError";
}

const TRACE_LINES = 80;

function formatTrace(trace: readonly TraceStep[]): string {
  const lines = trace.map((s) => `    ${String(s.step).padStart(4)}  t${s.thread}  ${s.op}`);
  if (lines.length <= TRACE_LINES) return lines.join("\n");
  const skipped = lines.length - TRACE_LINES;
  return [`    … ${skipped} earlier steps`, ...lines.slice(skipped)].join("\n");
}
