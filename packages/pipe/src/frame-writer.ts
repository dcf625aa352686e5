/**
 * The sending half of a Connection: turns payloads into frames (frame.ts)
 * and pushes them into the outgoing RingBuffer, of which it is the only
 * producer. It owns no shared memory of its own; the ring's layout and
 * hand-off are documented in `@sabkit/queue`'s ring-buffer.ts.
 *
 * Small frames (<= 16 KiB and within the ring) are copied into one scratch
 * buffer and published with one store of the ring's write index; larger
 * ones are pushed as header, payload (straight from the caller's buffer, no
 * scratch copy) and padding, in as many parts as the ring's capacity needs
 * (the reader pops them as they come), so a message of any size goes
 * through.
 *
 * Invariant: frames go into the ring whole and in order. A frame interrupted
 * by a timeout or abort keeps its unsent rest here (a copy: the caller may
 * reuse its buffer) and finishes it before the next frame, so a timeout
 * never tears or loses a message; it only delays it.
 *
 * The waiting part of a send is one {@link SendWait}, run blocking
 * (driveSync) or async (driveAsync).
 */
import { ClosedError, TimeoutError } from "@sabkit/core";
import { type Deadline, driveAsync, driveSync } from "@sabkit/core/internal";
import type { RingBuffer } from "@sabkit/queue";
import { PushAllWait } from "@sabkit/queue/internal";
import {
  FRAME_HEADER_BYTES,
  frameBytes,
  MAX_MESSAGE_BYTES,
  padding,
  writeLength,
} from "./frame.js";
import { RingStepWait } from "./ring-step-wait.js";

/** The padding after the frame's first piece (source of zero bytes; never written). */
const ZERO_PAD = new Uint8Array(FRAME_HEADER_BYTES);
/** Frames up to this size (with header and padding) are published with one store (copied into a scratch first). */
const SMALL_FRAME = 16 * 1024;

/** Writes frames into one ring (see the module comment). */
export class FrameWriter {
  readonly ring: RingBuffer<Uint8Array>;
  /** The unsent rest of an interrupted frame, sent before anything else. */
  #pending: Uint8Array | null = null;
  #scratch: Uint8Array | null = null;

  constructor(ring: RingBuffer<Uint8Array>) {
    this.ring = ring;
  }

  /**
   * Sends the frame of `payload` only if all of it (and any unsent rest
   * before it) fits in the ring now; `false` otherwise (nothing of it sent).
   *
   * @throws RangeError when the frame is larger than the ring.
   */
  trySend(payload: Uint8Array, what: string): boolean {
    const ring = this.ring;
    const frameLength = frameBytes(payload.length);
    if (frameLength > ring.capacity) {
      throw new RangeError(
        `Connection.${what}: the message needs ${frameLength} bytes, more than the pipe's capacity (${ring.capacity}), so it never fits at once; use send/sendBytes (they stream it in parts)`,
      );
    }
    if (this.#pending !== null) {
      const rest = this.#pending;
      const pushed = ring.push(rest);
      this.#pending = pushed === rest.length ? null : rest.subarray(pushed);
      if (this.#pending !== null) return false;
    }
    if (ring.availableWrite < frameLength) return false;
    // Room for the whole frame: a single producer's pushes cannot fail now.
    for (const piece of this.frame(payload, what)) ring.push(piece);
    return true;
  }

  /** Sends the frame of `payload`, blocking for room as needed until `deadline`. */
  send(payload: Uint8Array, deadline: Deadline, what: string): void {
    const wait = this.#begin(payload, deadline, what, true);
    if (wait === null) return;
    try {
      driveSync(wait);
    } catch (error) {
      throw this.#failed(error, wait, deadline, what);
    }
  }

  /** `send` that never blocks the thread (the deadline's signal aborts it). */
  async sendAsync(payload: Uint8Array, deadline: Deadline, what: string): Promise<void> {
    const wait = this.#begin(payload, deadline, what, false);
    if (wait === null) return;
    try {
      await driveAsync(wait, deadline.signal);
    } catch (error) {
      throw this.#failed(error, wait, deadline, what);
    }
  }

  /** The frame of `payload` as pieces to push in order. */
  frame(payload: Uint8Array, what: string): Uint8Array[] {
    const length = payload.length;
    if (length > MAX_MESSAGE_BYTES) {
      throw new RangeError(
        `Connection.${what}: a message is at most 2^31 - 1 bytes, got ${length}; split it`,
      );
    }
    const pad = padding(length);
    const frameLength = FRAME_HEADER_BYTES + length + pad;
    if (frameLength <= SMALL_FRAME && frameLength <= this.ring.capacity) {
      // Bytes 4-7 of the scratch are never written: they stay 0.
      this.#scratch ??= new Uint8Array(SMALL_FRAME);
      const scratch = this.#scratch;
      writeLength(scratch, length);
      scratch.set(payload, FRAME_HEADER_BYTES);
      scratch.fill(0, FRAME_HEADER_BYTES + length, frameLength);
      return [scratch.subarray(0, frameLength)];
    }
    // Large: the payload goes from the caller's buffer straight into the ring.
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    writeLength(header, length);
    return pad === 0 ? [header, payload] : [header, payload, ZERO_PAD.subarray(0, pad)];
  }

  /**
   * The fast path: `null` when the whole frame went in now (one push of a
   * small frame, nothing pending); otherwise the wait that sends the rest
   * (the pending rest of an earlier frame first).
   */
  #begin(
    payload: Uint8Array,
    deadline: Deadline,
    what: string,
    blocking: boolean,
  ): SendWait | null {
    if (this.#pending !== null) {
      const rest = this.#pending;
      this.#pending = null;
      return new SendWait(this, [rest], true, payload, deadline, what, blocking);
    }
    const pieces = this.frame(payload, what);
    if (pieces.length > 1) return new SendWait(this, pieces, false, null, deadline, what, blocking);
    const only = pieces[0] as Uint8Array;
    let n: number;
    try {
      n = this.ring.push(only);
    } catch (error) {
      throw this.#failed(error, { pieces, piece: 0, pushed: 0, started: false }, deadline, what);
    }
    if (n === only.length) return null;
    pieces[0] = only.subarray(n);
    return new SendWait(this, pieces, n > 0, null, deadline, what, blocking);
  }

  /**
   * The error of a send that failed at `at`; if part of the frame went in,
   * keeps a copy of its rest to finish before the next frame.
   */
  #failed(error: unknown, at: SendProgress, deadline: Deadline, what: string): unknown {
    if (error instanceof ClosedError) {
      return new ClosedError(
        `Connection.${what}: the peer closed the connection; the message was not delivered`,
        { cause: error },
      );
    }
    const { pieces, piece: index, pushed } = at;
    if (at.started || pushed > 0) {
      // Keep the rest of the frame (copied: the caller may reuse its buffer).
      let restLength = -pushed;
      for (let j = index; j < pieces.length; j++) restLength += (pieces[j] as Uint8Array).length;
      const rest = new Uint8Array(restLength);
      let offset = 0;
      for (let j = index; j < pieces.length; j++) {
        const part = (pieces[j] as Uint8Array).subarray(j === index ? pushed : 0);
        rest.set(part, offset);
        offset += part.length;
      }
      this.#pending = rest.length > 0 ? rest : null;
      if (error instanceof TimeoutError) {
        return new TimeoutError(
          `Connection.${what} timed out after ${deadline.timeoutMs} ms with the message partly sent; ` +
            "the rest is kept and goes first on the next send (nothing is lost)",
        );
      }
      return error;
    }
    if (error instanceof TimeoutError) {
      return new TimeoutError(
        `Connection.${what} timed out after ${deadline.timeoutMs} ms waiting for room in the pipe; ` +
          "the message was not sent: retry, pass a larger timeout, or make the receiver read",
      );
    }
    return error;
  }
}

/** How far a send got: the pieces of the frame in flight and what of them went in. */
interface SendProgress {
  readonly pieces: readonly Uint8Array[];
  /** The piece being pushed. */
  readonly piece: number;
  /** Its bytes already in the ring. */
  readonly pushed: number;
  /** Whether any byte of this frame went in before that piece. */
  readonly started: boolean;
}

/**
 * The slow path of a send: pushes the pieces in order, each with the ring's
 * own pushAll wait (one, reused), then (after an earlier frame's pending
 * rest) builds and pushes the new frame. Its {@link SendProgress} says how
 * far it got when a wait fails.
 */
class SendWait extends RingStepWait<PushAllWait<Uint8Array>> implements SendProgress {
  pieces: readonly Uint8Array[];
  piece = 0;
  started: boolean;
  readonly #writer: FrameWriter;
  /** The payload whose frame goes after the pending rest in `pieces`; null once built. */
  #payload: Uint8Array | null;
  readonly #deadline: Deadline;
  readonly #what: string;
  readonly #blocking: boolean;

  constructor(
    writer: FrameWriter,
    pieces: readonly Uint8Array[],
    started: boolean,
    payload: Uint8Array | null,
    deadline: Deadline,
    what: string,
    blocking: boolean,
  ) {
    super();
    this.#writer = writer;
    this.pieces = pieces;
    this.started = started;
    this.#payload = payload;
    this.#deadline = deadline;
    this.#what = what;
    this.#blocking = blocking;
  }

  /** Bytes of the current piece in the ring. */
  get pushed(): number {
    return this.waiting ? (this.ringWait as PushAllWait<Uint8Array>).written : 0;
  }

  step(): boolean {
    const ring = this.#writer.ring;
    // Bounded: each round pushes a piece, finishes the pending rest, or sleeps.
    for (;;) {
      if (this.waiting) {
        if (!(this.ringWait as PushAllWait<Uint8Array>).step()) return false;
        this.waiting = false;
        this.started = true;
        this.piece++;
      }
      if (this.piece === this.pieces.length) {
        if (this.#payload === null) return true;
        // The pending rest went in: now the frame of the new payload.
        this.pieces = this.#writer.frame(this.#payload, this.#what);
        this.#payload = null;
        this.piece = 0;
        this.started = false;
        continue;
      }
      const piece = this.pieces[this.piece] as Uint8Array;
      const n = ring.push(piece);
      if (n === piece.length) {
        this.started = true;
        this.piece++;
        continue;
      }
      this.ringWait =
        this.ringWait?.again(piece, n) ??
        new PushAllWait(ring, piece, n, this.#deadline, this.#what, this.#blocking);
      this.waiting = true;
    }
  }
}
