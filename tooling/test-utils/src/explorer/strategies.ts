/**
 * How the scheduler chooses at each point:
 *
 * - {@link DfsChooser}: exhaustive depth-first search over every schedule with
 *   at most `bound` preemptions (switching away from a thread that could
 *   continue). Switches forced by a wait, a finished thread or a yield are
 *   free, as in CHESS's preemption bounding. Stateless: each schedule is
 *   re-run from the start, following a recorded prefix of choices.
 * - {@link RandomChooser}: a uniformly random option at every point.
 * - {@link PctChooser}: PCT (Burckhardt et al., "A randomized scheduler with
 *   probabilistic guarantees of finding bugs", ASPLOS 2010): random distinct
 *   thread priorities, the highest-priority enabled thread runs, and at
 *   `depth - 1` random steps the running thread drops to the lowest priority.
 *   Finds a bug of depth d with probability at least 1/(n·k^(d-1)).
 * - {@link TraceChooser}: follows a recorded schedule (replay and shrinking).
 */

import { seededRandom } from "../prng.js";
import type { ChoicePoint, Chooser } from "./engine.js";
import { ExplorerUsageError } from "./errors.js";

interface Choice {
  readonly options: readonly number[];
  chosen: number;
}

export class DfsChooser implements Chooser {
  private readonly stack: Choice[] = [];
  private depth = 0;

  constructor(private readonly bound: number) {}

  choose(point: ChoicePoint): number {
    let options = point.options;
    if (point.preemptions >= this.bound) {
      // No preemption left: continue, or (at a forced point) run a runnable
      // thread rather than time a waiter out (which costs one when any can run).
      if (!point.forced) options = [point.current];
      else if (options.some((o) => !point.blocked(o)))
        options = options.filter((o) => !point.blocked(o));
    }
    if (options.length === 1) return options[0]!;
    if (this.depth < this.stack.length) {
      const choice = this.stack[this.depth++]!;
      if (
        choice.options.length !== options.length ||
        choice.options.some((o, i) => o !== options[i])
      ) {
        throw new ExplorerUsageError(
          `the model is not deterministic: at a replayed choice point the threads that could run were ` +
            `${options.join(",")}, before ${choice.options.join(",")}. Setup must build the same state every time`,
        );
      }
      return choice.options[choice.chosen]!;
    }
    this.stack.push({ options, chosen: 0 });
    this.depth++;
    return options[0]!;
  }

  /** Moves to the next schedule; false when every schedule within the bound has run. */
  advance(): boolean {
    this.depth = 0;
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.chosen + 1 < top.options.length) {
        top.chosen++;
        return true;
      }
      this.stack.pop();
    }
    return false;
  }
}

/** The seed of schedule `n` of a run with base seed `base`: replaying it needs only this number. */
export function scheduleSeed(base: number, n: number): number {
  return (base + Math.imul(n, 0x9e3779b9)) >>> 0;
}

export class RandomChooser implements Chooser {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  choose(point: ChoicePoint): number {
    return point.options[Math.floor(this.random() * point.options.length)]!;
  }
}

export class PctChooser implements Chooser {
  private readonly random: () => number;
  private readonly priority: number[];
  private readonly changePoints: Set<number>;
  private lowest: number;

  /**
   * @param threads number of logical threads
   * @param depth bug depth d (d - 1 priority change points)
   * @param steps expected schedule length k (change points fall in [0, k))
   */
  constructor(seed: number, threads: number, depth: number, steps: number) {
    this.random = seededRandom(seed);
    // Distinct initial priorities depth .. depth + threads - 1, in random order.
    const order = Array.from({ length: threads }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.priority = [];
    order.forEach((thread, rank) => {
      this.priority[thread] = depth + rank;
    });
    this.changePoints = new Set();
    for (let i = 1; i < depth; i++)
      this.changePoints.add(Math.floor(this.random() * Math.max(1, steps)));
    this.lowest = 0;
  }

  choose(point: ChoicePoint): number {
    if (point.current >= 0 && this.changePoints.has(point.step)) {
      this.changePoints.delete(point.step);
      this.priority[point.current] = --this.lowest;
    }
    if (point.yielded && point.current >= 0) this.priority[point.current] = --this.lowest;
    // A timed wait times out only when nothing else can run, or rarely.
    const runnable = point.options.filter((o) => !point.blocked(o));
    const pool = runnable.length === 0 || this.random() < 0.02 ? point.options : runnable;
    let best = pool[0]!;
    for (const option of pool) if (this.priority[option]! > this.priority[best]!) best = option;
    return best;
  }
}

/**
 * Follows `steps` (the thread of each step): at each point the recorded
 * thread if it is an option, else the running thread if it may continue,
 * else the first option. Any sequence is a valid (if different) schedule,
 * which is what shrinking needs.
 */
export class TraceChooser implements Chooser {
  constructor(private readonly steps: readonly number[]) {}
  choose(point: ChoicePoint): number {
    const wanted = this.steps[point.step];
    if (wanted !== undefined && point.options.includes(wanted)) return wanted;
    if (!point.forced && point.options.includes(point.current)) return point.current;
    return point.options[0]!;
  }
}

/** `[0,0,0,1,1,0]` -> `"0*3 1*2 0"`. */
export function encodeSchedule(steps: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < steps.length; ) {
    let j = i;
    while (j < steps.length && steps[j] === steps[i]) j++;
    runs.push(j - i === 1 ? `${steps[i]}` : `${steps[i]}*${j - i}`);
    i = j;
  }
  return runs.join(" ");
}

/** The inverse of {@link encodeSchedule}. */
export function decodeSchedule(schedule: string): number[] {
  const steps: number[] = [];
  for (const run of schedule.trim().split(/\s+/)) {
    if (run === "") continue;
    const match = /^(\d+)(?:\*(\d+))?$/.exec(run);
    if (match === null) {
      throw new RangeError(
        `schedule must be runs like "0*3 1*2 0" (thread, or thread*count), got "${run}" in "${schedule}"`,
      );
    }
    const thread = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    for (let i = 0; i < count; i++) steps.push(thread);
  }
  return steps;
}

/** Number of context switches (runs - 1) of a step sequence. */
export function switches(steps: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < steps.length; i++) if (steps[i] !== steps[i - 1]) n++;
  return n;
}
