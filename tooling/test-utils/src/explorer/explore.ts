/**
 * The explorer's API: describe a model (setup, 2–4 thread bodies, a final
 * check), then explore its schedules exhaustively up to a preemption bound,
 * or randomly (uniform or PCT), or replay one schedule.
 */
import { instrumentedAtomics } from "./atomics.js";
import {
  type ChoicePoint,
  type Chooser,
  Engine,
  logicalIdentity,
  type ThreadBody,
  VIRTUAL_EPOCH_MS,
} from "./engine.js";
import {
  ExplorationFailure,
  ExplorerUsageError,
  type FailureKind,
  type TraceStep,
} from "./errors.js";
import {
  beginTracking,
  endTracking,
  installBufferTracking,
  installViewConstructors,
  replaceGlobal,
  restore as restoreMemory,
  setMemoryHooks,
  snapshot,
  track,
} from "./memory.js";
import {
  DfsChooser,
  decodeSchedule,
  encodeSchedule,
  PctChooser,
  RandomChooser,
  scheduleSeed,
  switches,
  TraceChooser,
} from "./strategies.js";

/** What `setup` can do besides building the shared state. */
export interface SetupContext {
  /** Schedules operations on `buffer` too (buffers created during setup are tracked already). */
  track(buffer: SharedArrayBuffer): void;
}

/** A model: shared state, the threads that use it, and what must hold at the end. */
export interface Model<S> {
  /** Names the model in reports and failures. */
  readonly name?: string;
  /**
   * Builds the shared state, once: the explorer restores every tracked buffer
   * to its contents after setup before each schedule. Return handles and
   * views; thread bodies should create their own objects from handles
   * (objects made here are shared by every logical thread and every replay).
   */
  setup(ctx: SetupContext): S;
  /** 1–4 thread bodies (synchronous). Each runs as one logical thread. */
  readonly threads: readonly ThreadBody<S>[];
  /** Runs after every thread has finished; throw to report a final-state failure. */
  check?(shared: S, results: readonly unknown[]): void;
}

export type ExploreMode = "exhaustive" | "random" | "pct";

export interface ExploreOptions {
  /** `exhaustive` (default): every schedule with at most `preemptionBound` preemptions. */
  mode?: ExploreMode;
  /** Exhaustive mode: most preemptions per schedule (default 2). */
  preemptionBound?: number;
  /** Most schedules to run (random/pct default 1000; exhaustive default: all of them). */
  schedules?: number;
  /** Random/pct: base seed (default: SABKIT_SEED or a fresh one, printed on failure). */
  seed?: number;
  /** Steps after which one schedule is a livelock (default 20 000). */
  maxSteps?: number;
  /** When a wait with a finite timeout may time out: at any step (default) or only when no thread can run. */
  timeouts?: "any" | "when-stuck";
  /** PCT bug depth (default 3). */
  depth?: number;
  /** Shrink a failing schedule to fewer context switches (default true). */
  shrink?: boolean;
  /** Stop (with `complete: false`) after this many ms of exploring. */
  timeLimitMs?: number;
}

export interface ExploreReport {
  readonly model: string;
  readonly mode: ExploreMode | "replay";
  /** Schedules run (including the failing one). */
  readonly schedules: number;
  /** Exhaustive: every schedule within the bound ran. Random: every requested schedule ran. */
  readonly complete: boolean;
  /** Longest schedule, in steps. */
  readonly maxSteps: number;
  readonly elapsedMs: number;
  /** The first failure found (exploring stops there). */
  readonly failure: ExplorationFailure | undefined;
}

const DEFAULTS = {
  preemptionBound: 2,
  randomSchedules: 1000,
  maxSteps: 20_000,
  depth: 3,
} as const;

interface Session<S> {
  readonly engine: Engine<S>;
  readonly shared: S;
  readonly model: Model<S>;
  readonly name: string;
}

interface RunResult {
  readonly kind: FailureKind | undefined;
  readonly detail: string;
  readonly cause: unknown;
  readonly steps: readonly number[];
  readonly trace: readonly TraceStep[];
}

/**
 * Runs `body` with the instrumented globals in place: `Atomics`, the view
 * constructors, `ArrayBuffer.isView`, `performance.now` and `Date.now`.
 * Everything is put back before it returns or throws.
 */
function withSession<S, T>(model: Model<S>, body: (session: Session<S>) => T): T {
  checkModel(model as Model<unknown>);
  const name = model.name ?? "model";
  let engine: Engine<S> | undefined;
  beginTracking();
  const restores: (() => void)[] = [];
  try {
    restores.push(installViewConstructors());
    restores.push(
      replaceGlobal(
        "Atomics",
        instrumentedAtomics(() => engine as Engine<unknown> | undefined),
      ),
    );
    const untrack = installBufferTracking();
    let shared: S;
    try {
      shared = model.setup({ track: (buffer) => void track(buffer) });
    } finally {
      untrack();
    }
    engine = new Engine<S>(model.threads, shared, snapshot(), { maxSteps: 0, timeouts: "any" });
    setMemoryHooks(engine);
    const proxyEngine = engine;
    const perf = globalThis.performance;
    const realNow = perf.now;
    perf.now = () => (proxyEngine.active ? proxyEngine.now() : realNow.call(perf));
    restores.push(() => {
      delete (perf as { now?: unknown }).now;
      if (perf.now !== realNow) perf.now = realNow;
    });
    const realDateNow = Date.now;
    Date.now = () => (proxyEngine.active ? VIRTUAL_EPOCH_MS + proxyEngine.now() : realDateNow());
    restores.push(() => {
      Date.now = realDateNow;
    });
    restores.push(installIdentityProvider());
    const saved = snapshot();
    try {
      return body({ engine, shared, model, name });
    } finally {
      // Leaves tracked memory as setup left it, not as the last schedule did.
      restoreMemory(saved);
    }
  } finally {
    for (const undo of restores.reverse()) undo();
    endTracking();
  }
}

/** See `setThreadIdentityProvider` in `@sabkit/core/internal` (test-utils does not depend on core). */
const IDENTITY_PROVIDERS_KEY = Symbol.for("sabkit.runtime.identityProviders");

/**
 * Gives each logical thread its own `threadIdentity()` ({@link logicalIdentity})
 * in every copy of @sabkit/core loaded in this thread, until the returned
 * function runs. Outside the logical threads (setup, check) core answers
 * with the real identity. Nothing to do when core is not loaded.
 */
function installIdentityProvider(): () => void {
  const setters = (globalThis as unknown as Record<symbol, unknown>)[IDENTITY_PROVIDERS_KEY] as
    | Set<(provider: (() => number | undefined) | undefined) => void>
    | undefined;
  if (setters === undefined) return () => {};
  for (const set of setters) set(logicalIdentity);
  return () => {
    for (const set of setters) set(undefined);
  };
}

function checkModel(model: Model<unknown>): void {
  if (model === null || typeof model !== "object" || typeof model.setup !== "function") {
    throw new TypeError("explore: model must be an object with setup(ctx) and threads: [...]");
  }
  if (!Array.isArray(model.threads) || model.threads.length < 1 || model.threads.length > 8) {
    throw new RangeError(
      `explore: model.threads must hold 1 to 8 thread functions (2–4 is typical), got ${
        Array.isArray(model.threads) ? model.threads.length : typeof model.threads
      }`,
    );
  }
  for (const [i, thread] of model.threads.entries()) {
    if (typeof thread !== "function")
      throw new TypeError(`explore: model.threads[${i}] must be a function`);
  }
}

function positiveInteger(value: unknown, what: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY) ||
    value < min
  ) {
    throw new RangeError(`explore: ${what} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function runOnce<S>(
  session: Session<S>,
  chooser: Chooser,
  options: { maxSteps: number; timeouts: "any" | "when-stuck" },
  record: boolean,
): RunResult {
  session.engine.configure({ maxSteps: options.maxSteps, timeouts: options.timeouts });
  const outcome = session.engine.run(chooser, record);
  if (outcome.failure !== undefined) {
    return {
      ...outcome.failure,
      steps: outcome.steps,
      trace: outcome.trace,
      cause: outcome.failure.cause,
    };
  }
  if (session.model.check !== undefined) {
    try {
      session.model.check(session.shared, outcome.results);
    } catch (error) {
      if (error instanceof ExplorerUsageError) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        kind: "final-state",
        detail: `check threw ${message}`,
        cause: error,
        steps: outcome.steps,
        trace: outcome.trace,
      };
    }
  }
  return {
    kind: undefined,
    detail: "",
    cause: undefined,
    steps: outcome.steps,
    trace: outcome.trace,
  };
}

const SHRINK_ATTEMPTS = 400;

/** Greedy: drop whole runs of the schedule while the same kind of failure still happens. */
function shrink<S>(
  session: Session<S>,
  failing: RunResult,
  options: { maxSteps: number; timeouts: "any" | "when-stuck" },
): RunResult {
  let best = failing;
  let attempts = 0;
  let improved = true;
  while (improved && attempts < SHRINK_ATTEMPTS) {
    improved = false;
    const runs = toRuns(best.steps);
    for (let r = runs.length - 1; r >= 1 && attempts < SHRINK_ATTEMPTS; r--) {
      attempts++;
      const candidate = runs
        .filter((_, i) => i !== r)
        .flatMap(([thread, n]) => Array<number>(n).fill(thread));
      const result = runOnce(session, new TraceChooser(candidate), options, false);
      if (result.kind === failing.kind && switches(result.steps) < switches(best.steps)) {
        best = result;
        improved = true;
        break;
      }
    }
  }
  return best;
}

function toRuns(steps: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const thread of steps) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === thread) last[1]++;
    else runs.push([thread, 1]);
  }
  return runs;
}

function failureOf<S>(
  session: Session<S>,
  result: RunResult,
  seed: number | undefined,
  scheduleNumber: number,
  options: { maxSteps: number; timeouts: "any" | "when-stuck"; shrink: boolean },
): ExplorationFailure {
  const shrunk = options.shrink ? shrink(session, result, options) : result;
  // Re-run the shrunk schedule recording every operation, for the trace.
  const traced = runOnce(session, new TraceChooser(shrunk.steps), options, true);
  const final =
    traced.kind === result.kind
      ? traced
      : runOnce(session, new TraceChooser(result.steps), options, true);
  // Exploring runs without stack traces (see Engine.run): re-run the failing
  // schedule recorded for a cause that has one.
  const recorded =
    result.cause === undefined
      ? result
      : runOnce(session, new TraceChooser(result.steps), options, true);
  return new ExplorationFailure(
    result.kind!,
    result.detail,
    encodeSchedule(result.steps),
    seed,
    encodeSchedule(final.steps),
    final.trace,
    session.name,
    scheduleNumber,
    recorded.kind === result.kind ? recorded.cause : result.cause,
  );
}

function defaultSeed(): number {
  const raw = process.env.SABKIT_SEED;
  if (raw !== undefined && raw !== "") return Number(raw) >>> 0;
  return (Math.random() * 2 ** 32) >>> 0;
}

/**
 * Explores the schedules of `model` and reports how many ran and the first
 * failure (it never throws for a failure of the model; see {@link verify}).
 *
 * ```ts
 * const report = explore(model, { mode: "exhaustive", preemptionBound: 2 });
 * expect(report.failure).toBeUndefined();
 * ```
 *
 * @throws ExplorerUsageError for a model the explorer cannot run faithfully
 *   (a nondeterministic thread, a wait on untracked memory, a swallowed suspension)
 * @throws RangeError / TypeError for bad options or a malformed model
 */
export function explore<S>(model: Model<S>, options: ExploreOptions = {}): ExploreReport {
  const mode = options.mode ?? "exhaustive";
  if (mode !== "exhaustive" && mode !== "random" && mode !== "pct") {
    throw new RangeError(
      `explore: mode must be "exhaustive", "random" or "pct", got ${String(mode)}`,
    );
  }
  const bound = positiveInteger(
    options.preemptionBound,
    "preemptionBound",
    DEFAULTS.preemptionBound,
    0,
  );
  const limit = positiveInteger(
    options.schedules,
    "schedules",
    mode === "exhaustive" ? Number.POSITIVE_INFINITY : DEFAULTS.randomSchedules,
  );
  const maxSteps = positiveInteger(options.maxSteps, "maxSteps", DEFAULTS.maxSteps);
  const depth = positiveInteger(options.depth, "depth", DEFAULTS.depth);
  const timeouts = options.timeouts ?? "any";
  if (timeouts !== "any" && timeouts !== "when-stuck") {
    throw new RangeError(
      `explore: timeouts must be "any" or "when-stuck", got ${String(timeouts)}`,
    );
  }
  const timeLimit = options.timeLimitMs ?? Number.POSITIVE_INFINITY;
  const baseSeed = options.seed === undefined ? defaultSeed() : options.seed >>> 0;
  const runOptions = { maxSteps, timeouts, shrink: options.shrink ?? true } as const;
  const started = performance.now();
  return withSession(model, (session) => {
    let schedules = 0;
    let longest = 0;
    let complete = false;
    let failure: ExplorationFailure | undefined;
    const dfs = new DfsChooser(bound);
    let expected = 64;
    while (schedules < limit) {
      if (performance.now() - started > timeLimit) break;
      let chooser: Chooser;
      let seed: number | undefined;
      if (mode === "exhaustive") chooser = dfs;
      else {
        seed = scheduleSeed(baseSeed, schedules);
        chooser =
          mode === "random"
            ? new RandomChooser(seed)
            : new PctChooser(seed, model.threads.length, depth, expected);
      }
      schedules++;
      const result = runOnce(session, chooser, runOptions, false);
      longest = Math.max(longest, result.steps.length);
      expected = Math.max(expected, longest);
      if (result.kind !== undefined) {
        failure = failureOf(session, result, seed, schedules, runOptions);
        break;
      }
      if (mode === "exhaustive" && !dfs.advance()) {
        complete = true;
        break;
      }
    }
    if (mode !== "exhaustive" && failure === undefined && schedules === limit) complete = true;
    return {
      model: session.name,
      mode,
      schedules,
      complete,
      maxSteps: longest,
      elapsedMs: performance.now() - started,
      failure,
    };
  });
}

/** {@link explore}, throwing the {@link ExplorationFailure} when one is found. */
export function verify<S>(model: Model<S>, options: ExploreOptions = {}): ExploreReport {
  const report = explore(model, options);
  if (report.failure !== undefined) throw report.failure;
  return report;
}

/**
 * Runs one schedule, given as printed in a failure (`"0*3 1*2 0"`): the
 * thread of each step. The report's failure (if any) carries the full trace.
 */
export function replay<S>(
  model: Model<S>,
  schedule: string,
  options: Pick<ExploreOptions, "maxSteps" | "timeouts"> = {},
): ExploreReport {
  const steps = decodeSchedule(schedule);
  const maxSteps = positiveInteger(options.maxSteps, "maxSteps", DEFAULTS.maxSteps);
  const runOptions = { maxSteps, timeouts: options.timeouts ?? "any", shrink: false } as const;
  const started = performance.now();
  return withSession(model, (session) => {
    const result = runOnce(session, new TraceChooser(steps), runOptions, true);
    const failure =
      result.kind === undefined
        ? undefined
        : new ExplorationFailure(
            result.kind,
            result.detail,
            encodeSchedule(result.steps),
            undefined,
            encodeSchedule(result.steps),
            result.trace,
            session.name,
            1,
            result.cause,
          );
    return {
      model: session.name,
      mode: "replay",
      schedules: 1,
      complete: true,
      maxSteps: result.steps.length,
      elapsedMs: performance.now() - started,
      failure,
    };
  });
}

export type { ChoicePoint, Chooser };

export interface ExploreAllOptions {
  /** Exhaustive bound (default 2). */
  preemptionBound?: number;
  /**
   * Random schedules (default: `SABKIT_MODEL_SCHEDULES`, else
   * {@link DEFAULT_MODEL_SCHEDULES} = 10^5; multiplied by `SABKIT_STRESS_SCALE`).
   */
  schedules?: number;
  /**
   * PCT schedules (default: `SABKIT_MODEL_SCHEDULES`, else
   * {@link DEFAULT_PCT_SCHEDULES} = 3 × 10^4; multiplied by `SABKIT_STRESS_SCALE`).
   */
  pctSchedules?: number;
  /** Base seed of the random modes (default: `SABKIT_SEED`, else fresh; printed on failure). */
  seed?: number;
  /** Passed to every mode. */
  maxSteps?: number;
  timeouts?: "any" | "when-stuck";
  /** Where to print one line per mode (default console.log; `false` for silence). */
  log?: ((line: string) => void) | false;
}

/**
 * Random schedules per model test by default: 10^5, the figure docs/reliability.md
 * asks of every model, in CI time (measured per model in the README).
 */
export const DEFAULT_MODEL_SCHEDULES = 100_000;

/**
 * PCT schedules per model test by default. PCT schedules of the longest
 * models cost several times a random one; 3 × 10^4 keeps all models of all
 * packages within CI's budget (README). `SABKIT_MODEL_SCHEDULES` sets both.
 */
export const DEFAULT_PCT_SCHEDULES = 30_000;

/** Random/PCT schedule count of {@link exploreAllModes} (SABKIT_MODEL_SCHEDULES × SABKIT_STRESS_SCALE). */
export function modelSchedules(fallback: number = DEFAULT_MODEL_SCHEDULES): number {
  const raw = process.env.SABKIT_MODEL_SCHEDULES;
  const base = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(base) || base < 1) {
    throw new RangeError(`SABKIT_MODEL_SCHEDULES must be a positive integer, got "${raw}"`);
  }
  const scaleRaw = process.env.SABKIT_STRESS_SCALE;
  const scale = scaleRaw === undefined || scaleRaw === "" ? 1 : Number(scaleRaw);
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/**
 * What a model test usually wants: every schedule within the preemption
 * bound (must complete), then random and PCT schedules; throws the first
 * failure; prints one line per mode (schedules, longest schedule, time).
 */
export function exploreAllModes<S>(
  model: Model<S>,
  options: ExploreAllOptions = {},
): ExploreReport[] {
  const schedules = options.schedules ?? modelSchedules();
  const pctSchedules = options.pctSchedules ?? modelSchedules(DEFAULT_PCT_SCHEDULES);
  const shared = { maxSteps: options.maxSteps, timeouts: options.timeouts, seed: options.seed };
  const log = options.log === undefined ? console.log : options.log;
  const reports: ExploreReport[] = [];
  for (const mode of ["exhaustive", "random", "pct"] as const) {
    const report = explore(model, {
      ...shared,
      mode,
      preemptionBound: options.preemptionBound ?? DEFAULTS.preemptionBound,
      schedules: mode === "exhaustive" ? undefined : mode === "pct" ? pctSchedules : schedules,
    });
    if (report.failure !== undefined) throw report.failure;
    if (!report.complete) throw new Error(`${report.model}: ${mode} exploration did not complete`);
    if (log !== false) {
      log(
        `[explorer] ${report.model}: ${mode}${mode === "exhaustive" ? ` (bound ${options.preemptionBound ?? DEFAULTS.preemptionBound})` : ""} ` +
          `${report.schedules} schedules, longest ${report.maxSteps} steps, ${Math.round(report.elapsedMs)} ms`,
      );
    }
    reports.push(report);
  }
  return reports;
}
