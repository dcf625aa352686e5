/**
 * How a wait ended, as `Atomics.wait` reports it:
 *
 * - `"ok"`: woken by a notify (or, in the spin and polling fallbacks, the
 *   value stopped being the expected one after the wait began);
 * - `"not-equal"`: the value was not the expected one when the wait began;
 * - `"timed-out"`: the timeout passed first.
 */
export type WaitResult = "ok" | "not-equal" | "timed-out";
