/**
 * The receiving half of a Connection: pops frames (frame.ts) from the
 * incoming RingBuffer, of which it is the only consumer, and hands out their
 * payloads. It owns no shared memory of its own; the ring's layout and
 * hand-off are documented in `@sabkit/queue`'s ring-buffer.ts.
 *
 * A frame is read in two steps: HEADER (its 8 bytes, into `#lengthBytes`),
 * then BODY (the payload, into the body buffer chosen by `startBody`, then
 * the 0-7 padding bytes, dropped). A step interrupted by a timeout or abort
 * keeps what it read here (moved into memory of its own when it was in the
 * caller's buffer or the shared scratch) and goes on at the next receive, so
 * a timeout never loses a message; it only delays it.
 *
 * The waiting part of a step is one {@link FillWait}, run blocking
 * (driveSync) or async (driveAsync).
 */
import { ClosedError, TimeoutError } from "@sabkit/core";
import { type Deadline, driveAsync, driveSync } from "@sabkit/core/internal";
import type { RingBuffer } from "@sabkit/queue";
import { PopSomeWait } from "@sabkit/queue/internal";
import { FRAME_HEADER_BYTES, padding, readLength } from "./frame.js";
import { RingStepWait } from "./ring-step-wait.js";

/** Bodies up to this size are received into a reused scratch buffer by recv(). */
const SCRATCH_BYTES = 16 * 1024;

/** The two steps of receiving a frame. */
export const HEADER = 0;
export const BODY = 1;
export type Step = typeof HEADER | typeof BODY;

/** Where a body goes: the reused scratch, a fresh array, or the caller's buffer. */
export type BodyKind = "scratch" | "fresh" | "user";

/** Reads frames from one ring (see the module comment). */
export class FrameReader {
  readonly ring: RingBuffer<Uint8Array>;
  /** The 8 header bytes of the frame being read, then its padding (dropped). */
  readonly #lengthBytes = new Uint8Array(FRAME_HEADER_BYTES);
  #lengthGot = 0;
  #pad = 0;
  #padGot = 0;
  /** The payload length of the frame being read; -1 before its header is whole. */
  #length = -1;
  #body: Uint8Array | null = null;
  #bodyKind: BodyKind = "fresh";
  #got = 0;
  #scratch: Uint8Array | null = null;

  constructor(ring: RingBuffer<Uint8Array>) {
    this.ring = ring;
  }

  /** The payload length of the next message once its header was read; -1 before. */
  get length(): number {
    return this.#length;
  }

  /** Reads `step` of the next frame, blocking as needed until `deadline`. */
  fill(step: Step, deadline: Deadline, what: string): void {
    try {
      if (this.popThere(step)) return;
      driveSync(new FillWait(this, step, deadline, what, true));
    } catch (error) {
      throw this.#failed(error, deadline, what);
    }
  }

  /** `fill` that never blocks the thread (the deadline's signal aborts it). */
  async fillAsync(step: Step, deadline: Deadline, what: string): Promise<void> {
    try {
      if (this.popThere(step)) return;
      await driveAsync(new FillWait(this, step, deadline, what, false), deadline.signal);
    } catch (error) {
      throw this.#failed(error, deadline, what);
    }
  }

  /** For try forms: reads the body that {@link tryWhole} saw all of, without waiting. */
  fillNow(step: Step, what: string): void {
    try {
      if (!this.popThere(step)) throw new Error("Connection: the ring lost bytes it had published");
    } catch (error) {
      throw this.#failed(error, undefined, what);
    }
  }

  /** For try forms: `true` when a whole message is there now (its header is then read). */
  tryWhole(what: string): boolean {
    try {
      if (!this.popThere(HEADER)) return false;
    } catch (error) {
      throw this.#failed(error, undefined, what);
    }
    return this.ring.availableRead >= this.#length - this.#got + this.#pad - this.#padGot;
  }

  /** @throws RangeError, leaving the message in the pipe, when it is longer than `room`. */
  checkFits(room: number, what: string, name: string): void {
    const length = this.#length;
    if (length > room) {
      throw new RangeError(
        `Connection.${what}: the next message is ${length} bytes, longer than ${name} (${room}); ` +
          "it stays in the pipe: receive it with a larger maxLength or a larger buffer",
      );
    }
  }

  /** Chooses where the body goes; moves a partly read body there if it is elsewhere. */
  startBody(kind: BodyKind, user?: Uint8Array): void {
    const length = this.#length;
    const current = this.#body;
    let target: Uint8Array;
    if (kind === "user") target = (user as Uint8Array).subarray(0, length);
    else if (current !== null)
      return; // a partly read body, always in our own memory (see #failed)
    else if (kind === "scratch" && length <= SCRATCH_BYTES) {
      this.#scratch ??= new Uint8Array(SCRATCH_BYTES);
      target = this.#scratch.subarray(0, length);
    } else {
      target = new Uint8Array(length);
      kind = "fresh";
    }
    if (current !== null && current !== target) target.set(current.subarray(0, this.#got));
    this.#body = target;
    this.#bodyKind = kind;
  }

  /** Ends the current frame and returns its body. */
  takeBody(): Uint8Array {
    const body = this.#body as Uint8Array;
    this.#length = -1;
    this.#body = null;
    this.#got = 0;
    return body;
  }

  /** The view `step` still has to fill (empty when the step is done). */
  needed(step: Step): Uint8Array {
    if (step === HEADER) return this.#lengthBytes.subarray(this.#lengthGot);
    if (this.#got < this.#length) {
      return (this.#body as Uint8Array).subarray(this.#got, this.#length);
    }
    return this.#lengthBytes.subarray(this.#padGot, this.#pad); // the padding, dropped
  }

  /** Counts `n` bytes received by `step`; `true` once the step is done (a whole header is then taken). */
  advance(step: Step, n: number): boolean {
    if (step === HEADER) {
      if (this.#length >= 0) return true; // taken by an earlier, interrupted call
      this.#lengthGot += n;
      if (this.#lengthGot < FRAME_HEADER_BYTES) return false;
      this.#takeHeader();
      return true;
    }
    if (this.#got < this.#length) this.#got += n;
    else this.#padGot += n;
    return this.#got === this.#length && this.#padGot === this.#pad;
  }

  /** Pops what is there for `step` (body, then padding) without waiting; `true` once the step is done. */
  popThere(step: Step): boolean {
    const ring = this.ring;
    // At most three rounds: header; or body, then padding.
    while (!this.advance(step, 0)) {
      const view = this.needed(step);
      const n = ring.pop(view);
      if (this.advance(step, n)) return true;
      if (n < view.length) return false; // the ring has no more now
    }
    return true;
  }

  /** Starts the frame whose 8 header bytes are in #lengthBytes. */
  #takeHeader(): void {
    const length = readLength(this.#lengthBytes);
    this.#lengthGot = 0;
    this.#pad = padding(length); // read (and dropped) after the body
    this.#padGot = 0;
    this.#length = length;
    this.#body = null;
    this.#got = 0;
  }

  /** The error of a failed receive; keeps what was read for the next one. */
  #failed(error: unknown, deadline: Deadline | undefined, what: string): unknown {
    if (error instanceof ClosedError) {
      // Mid-message once a whole header was read (a partial header is dropped silently).
      const midFrame = this.#length >= 0;
      this.#lengthGot = 0;
      this.#length = -1;
      this.#body = null;
      return new ClosedError(
        midFrame
          ? `Connection.${what}: the peer closed the connection in the middle of a message (it was sending when it closed); the partial message is dropped`
          : `Connection.${what}: the peer closed the connection and every message it sent has been received (Python's EOFError)`,
        { cause: error },
      );
    }
    if (this.#bodyKind === "user" && this.#body !== null) {
      // Keep the part read so far in our own memory, not in the caller's buffer.
      const own = new Uint8Array(this.#length);
      own.set(this.#body.subarray(0, this.#got));
      this.#body = own;
      this.#bodyKind = "fresh";
    } else if (this.#bodyKind === "scratch" && this.#body !== null) {
      this.#body = this.#body.slice(0, this.#length);
      this.#bodyKind = "fresh";
    }
    if (error instanceof TimeoutError && deadline !== undefined) {
      return new TimeoutError(
        `Connection.${what} timed out after ${deadline.timeoutMs} ms: no complete message arrived; ` +
          "anything partly read is kept for the next receive (nothing is lost)",
      );
    }
    return error;
  }
}

/**
 * The slow path of a receive step: pops what is there, then waits for more
 * with the ring's own popSome wait (one, reused for each view), until the
 * step is done.
 */
class FillWait extends RingStepWait<PopSomeWait<Uint8Array>> {
  readonly #reader: FrameReader;
  readonly #step: Step;
  readonly #deadline: Deadline;
  readonly #what: string;
  readonly #blocking: boolean;

  constructor(
    reader: FrameReader,
    step: Step,
    deadline: Deadline,
    what: string,
    blocking: boolean,
  ) {
    super();
    this.#reader = reader;
    this.#step = step;
    this.#deadline = deadline;
    this.#what = what;
    this.#blocking = blocking;
  }

  step(): boolean {
    const reader = this.#reader;
    const deadline = this.#deadline;
    // Bounded: each round receives bytes, ends the step, or sleeps.
    for (;;) {
      if (this.waiting) {
        const pop = this.ringWait as PopSomeWait<Uint8Array>;
        if (!pop.step()) return false;
        this.waiting = false;
        if (reader.advance(this.#step, pop.result)) return true;
      }
      if (reader.popThere(this.#step)) return true;
      // A timeout of 0 (poll() and try-like calls) must not spin: give up at once.
      if (deadline.timeoutMs === 0) throw deadline.timeoutError(`Connection.${this.#what}`);
      const view = reader.needed(this.#step);
      this.ringWait =
        this.ringWait?.again(view) ??
        new PopSomeWait(reader.ring, view, deadline, this.#what, this.#blocking);
      this.waiting = true;
    }
  }
}
