/**
 * The exit record of one Process: a two-word shared region through which a
 * child publishes how it ended, so that a parent blocked in `join()` (whose
 * event loop cannot run, so it never sees the worker's `exit` event) still
 * wakes up.
 *
 * ## Layout (Int32Array words)
 *
 * | index | field | legal values                                 | written by                                             |
 * |-------|-------|----------------------------------------------|--------------------------------------------------------|
 * | 0     | TAG   | EXIT_RECORD_KIND.tag                         | the parent, once, before the record is sent            |
 * | 1     | EXIT  | RUNNING (-2^31) while the process runs;      | whoever ends the process first, by one CAS from        |
 * |       |       | its exit code (any other int32) afterwards   | RUNNING: the child's bootstrap (return, throw,         |
 * |       |       |                                              | `process.exit`, uncaught error), or the parent         |
 * |       |       |                                              | (`terminate()`/`kill()`, an exit event nobody recorded) |
 *
 * ## Transitions
 *
 * RUNNING -> code, exactly once (compare-and-exchange from RUNNING), then a
 * notify of EXIT. There is no way back: a record is never reused.
 *
 * ## Invariants
 *
 * - EXIT is written only by a CAS from RUNNING, so the first writer wins and
 *   the exit code never changes once set (a `terminate()` after a normal
 *   return leaves 0; a return after `terminate()` leaves -15).
 * - The winner notifies EXIT after the CAS, and a joiner sleeps only while
 *   it has seen RUNNING (`waitSync(i32, EXIT, RUNNING)`), so no wake-up is lost.
 * - The child publishes its error report (a message on the result port)
 *   *before* its CAS, so a joiner that sees the code also finds the report.
 * - RUNNING (-2^31) is never an exit code: `process.exit(n)` codes are
 *   clamped into the int32 range above it by {@link toExitCode}.
 *
 * The bootstrap (`bootstrap.js`, plain JavaScript so that it loads before any
 * loader) repeats the two constants it needs; a test checks they agree.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { allocate, attach, defineKind, defineLayout } from "@sabkit/core/internal";

export const EXIT_RECORD_LAYOUT = defineLayout({ tag: "int32", exit: "int32" });
/** Word index of TAG. */
export const TAG = EXIT_RECORD_LAYOUT.fields.tag.index;
/** Word index of EXIT. */
export const EXIT = EXIT_RECORD_LAYOUT.fields.exit.index;
/** EXIT while the process runs: an int32 that is never an exit code. */
export const RUNNING = -(2 ** 31);
/** Byte length of an exit record. */
export const EXIT_RECORD_BYTES = EXIT_RECORD_LAYOUT.byteLength;

/** Exit code of a process ended by `terminate()` (Python's `-SIGTERM`). */
export const TERMINATED = -15;
/** Exit code of a process ended by `kill()` (Python's `-SIGKILL`). */
export const KILLED = -9;

export const EXIT_RECORD_KIND = defineKind({
  kind: "process.exit-record",
  version: 1,
  package: "@sabkit/process",
  layout: EXIT_RECORD_LAYOUT,
});

/** A new exit record in its own memory, tagged, EXIT = RUNNING. */
export function createExitRecord(): Int32Array {
  const { i32 } = attach(EXIT_RECORD_LAYOUT, allocate(EXIT_RECORD_LAYOUT));
  EXIT_RECORD_KIND.writeTag(i32, TAG);
  // Not shared yet; the postMessage that sends the buffer publishes it.
  Atomics.store(i32, EXIT, RUNNING);
  return i32;
}

/** Any exit value as an int32 exit code other than RUNNING. */
export function toExitCode(code: unknown): number {
  const n = typeof code === "number" && Number.isFinite(code) ? Math.trunc(code) : 1;
  return Math.max(RUNNING + 1, Math.min(2 ** 31 - 1, n));
}

/**
 * The exit code, or `null` while the process runs. One load: pairs with the
 * CAS in {@link recordExit} (here or in the child's bootstrap).
 */
export function readExit(i32: Int32Array): number | null {
  const code = Atomics.load(i32, EXIT);
  return code === RUNNING ? null : code;
}

/**
 * Records `code` if nobody has recorded an exit yet; returns the code that
 * stands (the earlier one if this call lost).
 */
export function recordExit(i32: Int32Array, code: number): number {
  // Publishes the exit code to readExit / join; the first writer wins.
  const previous = Atomics.compareExchange(i32, EXIT, RUNNING, code);
  if (previous !== RUNNING) return previous;
  // Wakes every joiner sleeping on EXIT (they slept only while it was RUNNING).
  notify(i32, EXIT);
  return code;
}
