/**
 * The chart's time axis, fitted to the run: from 0 to the first multiple of a
 * "nice" step (1, 2 or 5 × a power of ten ms) at or past the longest series,
 * in at most `maxIntervals` equal steps (the page allows more on a wide chart
 * than on a phone) and more than 2/5 of that many. Labels are in ms while the
 * axis ends under a second and in seconds from there on, with as many
 * decimals as the step needs. Pure (no DOM), so the end-to-end test checks it
 * directly too.
 */

export interface TimeAxis {
  /** The longest series the axis was fitted to, in ms (an idle chart shows one second). */
  extentMs: number;
  /** The axis' end: the last tick, in ms. */
  maxMs: number;
  /** Distance between ticks, in ms. */
  stepMs: number;
  ticks: { ms: number; label: string }[];
}

/** The fewest steps an axis may be allowed: fewer would loosen its fit (see timeAxis). */
export const MIN_MAX_INTERVALS = 5;

/** What an empty chart spans. */
const IDLE_EXTENT_MS = 1000;

/**
 * The axis for series that run `extentMs` long, in at most `maxIntervals`
 * steps (raised to MIN_MAX_INTERVALS). Guarantees, for any `extentMs > 0`:
 * `extentMs <= maxMs < 1.5 * extentMs`. The step is the smallest 1-2-5 value
 * that covers the extent in `maxIntervals` (N) steps; the one before it
 * needed more, so it was below extent / N, and a step is at most 2.5 times
 * the one before: step < 2.5 × extent / N <= extent / 2, and the axis
 * overshoots the extent by less than one step.
 */
export function timeAxis(extentMs: number, maxIntervals = MIN_MAX_INTERVALS): TimeAxis {
  if (!(extentMs > 0 && Number.isFinite(extentMs))) extentMs = IDLE_EXTENT_MS;
  maxIntervals = Math.max(MIN_MAX_INTERVALS, Math.floor(maxIntervals));
  let exponent = Math.floor(Math.log10(extentMs / maxIntervals));
  for (;;) {
    for (const mantissa of [1, 2, 5]) {
      // Divide by 10^-k rather than multiply by 10^k: 0.1, 0.2, 0.5 come out exact.
      const stepMs = exponent < 0 ? mantissa / 10 ** -exponent : mantissa * 10 ** exponent;
      let intervals = Math.ceil(extentMs / stepMs);
      // Rounding in the division must never leave the axis short of the data.
      if (intervals * stepMs < extentMs) intervals += 1;
      if (intervals <= maxIntervals) return build(extentMs, stepMs, intervals);
    }
    exponent += 1;
  }
}

function build(extentMs: number, stepMs: number, intervals: number): TimeAxis {
  const maxMs = intervals * stepMs;
  // Under a second the ms figures read better ("80 ms", not "0.08 s").
  const seconds = maxMs >= 1000;
  const unitStep = seconds ? stepMs / 1000 : stepMs;
  const decimals = Math.max(0, -Math.floor(Math.log10(unitStep) + 1e-9));
  const ticks = Array.from({ length: intervals + 1 }, (_, i) => {
    const ms = i * stepMs;
    const label = seconds ? `${(ms / 1000).toFixed(decimals)} s` : `${ms.toFixed(decimals)} ms`;
    return { ms, label };
  });
  return { extentMs, maxMs, stepMs, ticks };
}
