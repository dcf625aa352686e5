/**
 * Connection: one end of a {@link Pipe} — Python's `multiprocessing.Connection`
 * over shared memory.
 *
 * Each direction of a pipe is one `@sabkit/queue` RingBuffer of bytes
 * (Uint8Array, single producer / single consumer): the end that sends is its
 * producer, the end that receives is its consumer. This file adds framing,
 * codecs, close semantics and the three wait forms on top; it owns no ring
 * of its own. A duplex pipe has two rings, a one-way pipe one.
 *
 * Framing: a message is an 8-byte header — a 4-byte little-endian length `L`
 * (0 <= L <= 2^31 - 1), then 4 zero bytes — followed by the `L` payload bytes
 * and 0-7 zero bytes of padding, so every frame is a multiple of 8 bytes and
 * every payload starts at a stream position that is a multiple of 8. That
 * matters for speed: copying into or out of shared memory goes a word at a
 * time only when source and destination are equally aligned (a payload at a
 * position 4 mod 8 copies byte by byte, about 9x slower), so with a ring
 * capacity that is a multiple of 8 (the default is) an 8-aligned buffer goes
 * in and out at full speed. Small frames (<= 16 KiB and within the ring) are
 * copied into one scratch buffer and published with one store of the ring's
 * write index; larger ones are pushed as header, payload (straight from the
 * caller's buffer, no scratch copy) and padding, in as many parts as the
 * ring's capacity needs (the reader pops them as they come), so a message of
 * any size goes through. The reader discards a frame's padding when it reads
 * the next header.
 *
 * Shared layout of the pipe header (int32 words; both ends attach to it):
 *
 * | word | field       | legal values                                     | written by         |
 * |------|-------------|--------------------------------------------------|--------------------|
 * | 0    | tag         | the "pipe-connection" kind's type tag            | Pipe(), once       |
 * | 1    | duplex      | 1 duplex (two rings), 0 one-way (one ring)       | Pipe(), once       |
 * | 2    | capacity    | 1..2^30: bytes of each ring                      | Pipe(), once       |
 * | 3    | closedEnds  | bit 0: end 0 closed, bit 1: end 1 closed         | each end's close() |
 *
 * The rings' own layouts are documented in `@sabkit/queue`'s ring-buffer.ts.
 *
 * State transitions: an end is open until its close() (closedEnds bit set,
 * both of its rings closed). A ring is closed by either end's close(), or by
 * `closeSend()` (the sender's half-close) / `closeReceive()` (the receiver's).
 * A closed ring still yields what was published before the close; then
 * pops throw ClosedError, which this end reports as end of stream.
 *
 * Invariants: every ring has exactly one producer (the sending end) and one
 * consumer (the receiving end); a frame is published in order, its header
 * before its payload, and is never interleaved with another frame because
 * one end sends one frame at a time (a Connection is used by one thread at a
 * time, as Python's is). A frame interrupted by a timeout or abort on the
 * sending side keeps its unsent rest in this object and finishes it before
 * the next frame; one interrupted on the receiving side keeps the bytes read
 * so far here and finishes on the next receive. So a timeout never tears or
 * loses a message; it only delays it.
 *
 * Shared memory is untrusted: a frame length outside [0, 2^31 - 1] is an
 * InvalidHandleError (the ring was overwritten or used by two senders).
 */
import {
  ClosedError,
  type Codec,
  type Handle,
  InvalidHandleError,
  type Shareable,
  structuredCodec,
  TimeoutError,
  type WaitOptions,
} from "@sabkit/core";
import {
  allocate,
  checkCodec,
  Deadline,
  defineKind,
  defineLayout,
  registerKind,
  resolveCodec,
  validateCount,
  validateTimeout,
} from "@sabkit/core/internal";
import { RingBuffer, type RingBufferHandle } from "@sabkit/queue";
import { RING_DATA_OFFSET, WRITE_INDEX } from "@sabkit/queue/internal";
import { makeReadable, makeWritable } from "./streams.js";

export const PIPE_HEADER = defineLayout({
  tag: "int32",
  duplex: "int32",
  capacity: "int32",
  closedEnds: "int32",
});
const P = PIPE_HEADER.fields;
export const DUPLEX = P.duplex.index;
export const PIPE_CAPACITY = P.capacity.index;
export const CLOSED_ENDS = P.closedEnds.index;
/** Default bytes per ring (per direction). */
export const DEFAULT_PIPE_CAPACITY = 64 * 1024;
/** Largest ring capacity in bytes. */
export const MAX_PIPE_CAPACITY = 2 ** 30;
/** Largest message in bytes (lengths are int32 in the frame header). */
export const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
/** Bytes of a frame header (length, then 4 zero bytes). Frames are padded to a multiple of this. */
export const FRAME_HEADER_BYTES = 8;
/** The padding after the frame's first piece (source of zero bytes; never written). */
const ZERO_PAD = new Uint8Array(FRAME_HEADER_BYTES);
/** Frames up to this size (with header and padding) are published with one store (copied into a scratch first). */
const SMALL_FRAME = 16 * 1024;
/** Bodies up to this size are received into a reused scratch buffer by recv(). */
const SCRATCH_BYTES = 16 * 1024;

/** The handle of one end of a pipe. */
export interface ConnectionHandle extends Handle<"pipe-connection"> {
  /** 0 for the first end Pipe() returned, 1 for the second. */
  readonly end: 0 | 1;
  readonly duplex: boolean;
  /** Bytes of each ring. */
  readonly capacity: number;
  /** The codec's name. */
  readonly codec: string;
  /** The ring this end receives from (`null` on a one-way pipe's writer). */
  readonly incoming: RingBufferHandle | null;
  /** The ring this end sends into (`null` on a one-way pipe's reader). */
  readonly outgoing: RingBufferHandle | null;
}

/** Options of {@link Pipe}. */
export interface PipeOptions<T = unknown> {
  /** `true` (default): both ends send and receive. `false`: `[reader, writer]`, as Python. */
  duplex?: boolean;
  /** Bytes of each direction's ring (default 64 KiB, 1 to 2^30). Larger messages still go through, in parts. */
  capacity?: number;
  /** How `send`/`recv` turn values into bytes (default: structuredCodec). */
  codec?: Codec<T>;
}

/** Options of {@link Connection.from}. */
export interface ConnectionFromOptions<T = unknown> {
  /** The codec, when the pipe was made with one that is not built in (same name). */
  codec?: Codec<T>;
}

/** The result of a try-receive: the value, or `ok: false` when nothing was there. */
export type TryRecvResult<T> = { ok: true; value: T } | { ok: false };

const KIND = defineKind<ConnectionHandle>({
  kind: "pipe-connection",
  // 2: 8-byte frame headers and frames padded to a multiple of 8 (1 had 4-byte headers).
  version: 2,
  package: "@sabkit/pipe",
  layout: PIPE_HEADER,
});

type BodyKind = "scratch" | "fresh" | "user";
/** The two steps of receiving a frame. */
const HEADER = 0;
const BODY = 1;
type Step = typeof HEADER | typeof BODY;

/**
 * One end of a pipe: send and receive values (through the codec) or raw
 * bytes, wait in any of the three forms, and read/write it as WHATWG streams.
 * Use one end from one thread at a time (as Python's Connection); to use it
 * in a worker, send its `handle` (or pass it in Process/Pool args) and stop
 * using it here.
 *
 * @example
 * ```ts
 * const [a, b] = Pipe();
 * worker.postMessage(b.handle);         // worker: const b = Connection.from(handle)
 * a.send({ hello: "world" });
 * const reply = await a.recvAsync({ timeout: 1000 });
 * ```
 */
export class Connection<T = unknown> implements Shareable<ConnectionHandle> {
  static {
    registerKind(KIND.kind, { from: (handle) => Connection.from(handle) });
  }
  readonly handle: ConnectionHandle;
  readonly codec: Codec<T>;
  readonly #header: Int32Array;
  readonly #in: RingBuffer<Uint8Array> | null;
  readonly #out: RingBuffer<Uint8Array> | null;
  /** The outgoing ring's words, to learn how much a timed-out pushAll published. */
  readonly #outWords: Int32Array | null;
  #closed = false;
  // Sending: the unsent rest of an interrupted frame, sent before anything else.
  #outPending: Uint8Array | null = null;
  #sendScratch: Uint8Array | null = null;
  // Receiving: the frame being read. #lengthBytes gets its 8 header bytes,
  // then its padding (#inPad bytes, 0-7, dropped) after the body.
  readonly #lengthBytes = new Uint8Array(FRAME_HEADER_BYTES);
  #lengthGot = 0;
  #inPad = 0;
  #padGot = 0;
  #inLength = -1;
  #inBody: Uint8Array | null = null;
  #inBodyKind: BodyKind = "fresh";
  #inGot = 0;
  #recvScratch: Uint8Array | null = null;
  #readableStream: ReadableStream<Uint8Array> | undefined;
  #writableStream: WritableStream<Uint8Array | ArrayBufferView | ArrayBuffer> | undefined;

  /** @internal Use {@link Pipe} or {@link Connection.from}. */
  constructor(handle: ConnectionHandle, codec: Codec<T>) {
    const what = "Connection.from(handle)";
    const { end, duplex, capacity } = handle;
    if (end !== 0 && end !== 1) {
      throw new InvalidHandleError(`${what}: handle.end must be 0 or 1, got ${String(end)}`);
    }
    if (typeof duplex !== "boolean") {
      throw new InvalidHandleError(`${what}: handle.duplex must be a boolean`);
    }
    if (
      typeof capacity !== "number" ||
      !Number.isInteger(capacity) ||
      capacity < 1 ||
      capacity > MAX_PIPE_CAPACITY
    ) {
      throw new InvalidHandleError(
        `${what}: handle.capacity must be an integer in [1, 2^30], got ${String(capacity)}`,
      );
    }
    // Region and type tag, in one call.
    const header = KIND.attachHandle(handle, what);
    // Written once by Pipe() before the handle existed; read once here.
    const sharedDuplex = Atomics.load(header, DUPLEX);
    const sharedCapacity = Atomics.load(header, PIPE_CAPACITY);
    if (sharedDuplex !== (duplex ? 1 : 0) || sharedCapacity !== capacity) {
      throw new InvalidHandleError(
        `${what}: the handle says duplex=${duplex}, capacity=${capacity} but the shared header says ` +
          `duplex=${sharedDuplex}, capacity=${sharedCapacity}: the handle was altered or the memory overwritten`,
      );
    }
    const wantIn = duplex || end === 0;
    const wantOut = duplex || end === 1;
    this.#in = attachRing(handle.incoming, wantIn, capacity, `${what} (handle.incoming)`);
    this.#out = attachRing(handle.outgoing, wantOut, capacity, `${what} (handle.outgoing)`);
    this.#outWords =
      handle.outgoing === null
        ? null
        : new Int32Array(handle.outgoing.buffer, handle.outgoing.byteOffset, RING_DATA_OFFSET / 4);
    this.#header = header;
    this.handle = handle;
    this.codec = codec;
  }

  /**
   * Revives an end from its handle (in a worker). A pipe made with a codec
   * that is not built in needs it again: `Connection.from(handle, { codec })`.
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size, ring or codec.
   */
  static from<T = unknown>(handle: unknown, options: ConnectionFromOptions<T> = {}): Connection<T> {
    const valid = KIND.validate(handle, "Connection.from(handle)");
    return new Connection<T>(
      valid,
      resolveCodec<T>(
        valid.codec,
        options?.codec,
        "Connection.from(handle)",
        "Connection.from(handle, { codec })",
      ),
    );
  }

  /** `true` once close() was called on this object. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes of each direction's ring. */
  get capacity(): number {
    return this.handle.capacity;
  }

  // ------------------------------------------------------------ sending

  /**
   * Sends `value` (encoded by the codec), waiting for room as needed
   * (`timeout` ms at most). On a timeout nothing is lost or torn: a message
   * not started is not sent; one partly sent is finished first by the next send.
   *
   * @throws ClosedError when this end or the peer's receiving side is closed;
   * TimeoutError; the codec's error (nothing sent).
   */
  send(value: T, options?: WaitOptions): void {
    this.#checkSend("send");
    const deadline = Deadline.from(options, "Connection.send options");
    this.#sendFrameSync(this.codec.encode(value), deadline, "send");
  }

  /** `send` that never blocks the thread (`signal` aborts it). */
  async sendAsync(value: T, options?: WaitOptions): Promise<void> {
    this.#checkSend("sendAsync");
    const deadline = Deadline.from(options, "Connection.sendAsync options");
    await this.#sendFrameAsync(this.codec.encode(value), deadline, "sendAsync");
  }

  /**
   * Sends `value` only if the whole message fits in the ring now; `false`
   * when it does not (nothing sent).
   *
   * @throws RangeError when the message's frame (8 header bytes + the message + padding to a multiple of 8) is larger than the ring (it can never fit at once: use send).
   */
  trySend(value: T): boolean {
    this.#checkSend("trySend");
    return this.#trySendFrame(this.codec.encode(value), "trySend");
  }

  /**
   * Sends `size` bytes of `buf` from `offset` as one message (Python's
   * `send_bytes`). `buf` is a typed array, DataView or ArrayBuffer; offset and
   * size count bytes of it.
   */
  sendBytes(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    size?: number,
    options?: WaitOptions,
  ): void {
    this.#checkSend("sendBytes");
    const bytes = bytesOf(buf, offset, size, "Connection.sendBytes");
    const deadline = Deadline.from(options, "Connection.sendBytes options");
    this.#sendFrameSync(bytes, deadline, "sendBytes");
  }

  /** `sendBytes` that never blocks the thread. */
  async sendBytesAsync(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    size?: number,
    options?: WaitOptions,
  ): Promise<void> {
    this.#checkSend("sendBytesAsync");
    const bytes = bytesOf(buf, offset, size, "Connection.sendBytesAsync");
    const deadline = Deadline.from(options, "Connection.sendBytesAsync options");
    await this.#sendFrameAsync(bytes, deadline, "sendBytesAsync");
  }

  /** `sendBytes` that sends only if the whole message fits now; `false` otherwise. */
  trySendBytes(buf: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number): boolean {
    this.#checkSend("trySendBytes");
    return this.#trySendFrame(
      bytesOf(buf, offset, size, "Connection.trySendBytes"),
      "trySendBytes",
    );
  }

  /**
   * Half-close: ends the outgoing direction. The peer receives everything
   * sent so far, then ClosedError; this end can still receive. Idempotent.
   */
  closeSend(): void {
    // RingBuffer.close publishes "closed" and wakes both sides of that ring.
    this.#out?.close();
  }

  /** Ends the incoming direction: the peer's later sends throw ClosedError. Idempotent. */
  closeReceive(): void {
    this.#in?.close();
  }

  // ------------------------------------------------------------ receiving

  /**
   * Receives the next message and decodes it, waiting as needed (`timeout`
   * ms at most). On a timeout nothing is lost: a message partly read is
   * finished by the next receive.
   *
   * @throws ClosedError when the peer closed and every message was received
   * (Python's EOFError), or this end is closed; TimeoutError.
   */
  recv(options?: WaitOptions): T {
    this.#checkRecv("recv");
    const deadline = Deadline.from(options, "Connection.recv options");
    this.#fillSync(HEADER, deadline, "recv");
    this.#startBody("scratch");
    this.#fillSync(BODY, deadline, "recv");
    return this.#finishDecode();
  }

  /** `recv` that never blocks the thread (`signal` aborts it). */
  async recvAsync(options?: WaitOptions): Promise<T> {
    this.#checkRecv("recvAsync");
    const deadline = Deadline.from(options, "Connection.recvAsync options");
    await this.#fillAsync(HEADER, deadline, "recvAsync");
    this.#startBody("scratch");
    await this.#fillAsync(BODY, deadline, "recvAsync");
    return this.#finishDecode();
  }

  /** Receives a message only if one is wholly there now. */
  tryRecv(): TryRecvResult<T> {
    this.#checkRecv("tryRecv");
    if (!this.#tryWhole()) return { ok: false };
    this.#startBody("scratch");
    this.#fillSync(BODY, undefined, "tryRecv");
    return { ok: true, value: this.#finishDecode() };
  }

  /**
   * Receives the next message as a new Uint8Array (Python's `recv_bytes`).
   * A message longer than `maxLength` is a RangeError and stays in the pipe:
   * the next `recvBytes` with a larger `maxLength` (or `recvBytesInto`) gets it.
   */
  recvBytes(maxLength?: number, options?: WaitOptions): Uint8Array {
    this.#checkRecv("recvBytes");
    const max = checkMaxLength(maxLength, "Connection.recvBytes");
    const deadline = Deadline.from(options, "Connection.recvBytes options");
    this.#fillSync(HEADER, deadline, "recvBytes");
    this.#checkFits(max, "recvBytes", "maxLength");
    this.#startBody("fresh");
    this.#fillSync(BODY, deadline, "recvBytes");
    return this.#finishBytes();
  }

  /** `recvBytes` that never blocks the thread. */
  async recvBytesAsync(maxLength?: number, options?: WaitOptions): Promise<Uint8Array> {
    this.#checkRecv("recvBytesAsync");
    const max = checkMaxLength(maxLength, "Connection.recvBytesAsync");
    const deadline = Deadline.from(options, "Connection.recvBytesAsync options");
    await this.#fillAsync(HEADER, deadline, "recvBytesAsync");
    this.#checkFits(max, "recvBytesAsync", "maxLength");
    this.#startBody("fresh");
    await this.#fillAsync(BODY, deadline, "recvBytesAsync");
    return this.#finishBytes();
  }

  /** `recvBytes` only if a message is wholly there now; `undefined` otherwise. */
  tryRecvBytes(maxLength?: number): Uint8Array | undefined {
    this.#checkRecv("tryRecvBytes");
    const max = checkMaxLength(maxLength, "Connection.tryRecvBytes");
    if (!this.#tryWhole()) return undefined;
    this.#checkFits(max, "tryRecvBytes", "maxLength");
    this.#startBody("fresh");
    this.#fillSync(BODY, undefined, "tryRecvBytes");
    return this.#finishBytes();
  }

  /**
   * Receives the next message into `buf` at byte `offset` and returns its
   * length in bytes (Python's `recv_bytes_into`). A message longer than the
   * room from `offset` is a RangeError and stays in the pipe.
   */
  recvBytesInto(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    options?: WaitOptions,
  ): number {
    this.#checkRecv("recvBytesInto");
    const target = intoBytes(buf, offset, "Connection.recvBytesInto");
    const deadline = Deadline.from(options, "Connection.recvBytesInto options");
    this.#fillSync(HEADER, deadline, "recvBytesInto");
    this.#checkFits(target.length, "recvBytesInto", "the room in buf from offset");
    this.#startBody("user", target);
    this.#fillSync(BODY, deadline, "recvBytesInto");
    return this.#finishInto();
  }

  /** `recvBytesInto` that never blocks the thread. */
  async recvBytesIntoAsync(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    options?: WaitOptions,
  ): Promise<number> {
    this.#checkRecv("recvBytesIntoAsync");
    const target = intoBytes(buf, offset, "Connection.recvBytesIntoAsync");
    const deadline = Deadline.from(options, "Connection.recvBytesIntoAsync options");
    await this.#fillAsync(HEADER, deadline, "recvBytesIntoAsync");
    this.#checkFits(target.length, "recvBytesIntoAsync", "the room in buf from offset");
    this.#startBody("user", target);
    await this.#fillAsync(BODY, deadline, "recvBytesIntoAsync");
    return this.#finishInto();
  }

  /**
   * `true` when there is something to receive, waiting up to `timeout` ms
   * (default 0: do not wait; `Infinity` waits forever) — Python's `poll`.
   * Also `true` when the peer has closed and everything was received (the
   * next recv throws ClosedError, as Python's poll then recv raises EOFError).
   */
  poll(timeout = 0): boolean {
    this.#checkRecv("poll");
    const deadline = Deadline.after(validateTimeout(timeout, "Connection.poll timeout"));
    if (this.#inLength >= 0) return true;
    try {
      this.#fillSync(HEADER, deadline, "poll");
      return true;
    } catch (error) {
      return pollOutcome(error);
    }
  }

  /** `poll` that never blocks the thread (`signal` aborts it). */
  async pollAsync(timeout = 0, options?: { signal?: AbortSignal }): Promise<boolean> {
    this.#checkRecv("pollAsync");
    const deadline = Deadline.from(
      {
        timeout: validateTimeout(timeout, "Connection.pollAsync timeout"),
        signal: options?.signal,
      },
      "Connection.pollAsync options",
    );
    if (this.#inLength >= 0) return true;
    try {
      await this.#fillAsync(HEADER, deadline, "pollAsync");
      return true;
    } catch (error) {
      return pollOutcome(error);
    }
  }

  // ------------------------------------------------------------ streams and close

  /**
   * This end's incoming messages as a WHATWG byte stream (each message's
   * bytes are one chunk; empty messages are skipped). It ends when the peer
   * closes its sending side; cancelling it closes this end's receiving side.
   * Created on first use; one per connection.
   */
  get readable(): ReadableStream<Uint8Array> {
    this.#checkRecv("readable");
    this.#readableStream ??= makeReadable(this as Connection<unknown>);
    return this.#readableStream;
  }

  /**
   * A WHATWG WritableStream: each chunk (Uint8Array, any ArrayBufferView or
   * ArrayBuffer) is sent as one message, with backpressure from the ring.
   * Closing it half-closes this end (`closeSend`): the peer's readable ends.
   */
  get writable(): WritableStream<Uint8Array | ArrayBufferView | ArrayBuffer> {
    this.#checkSend("writable");
    this.#writableStream ??= makeWritable(this as Connection<unknown>);
    return this.#writableStream;
  }

  /**
   * Closes this end (Python's `close`): both of its directions end. The peer
   * still receives what this end sent, then ClosedError; the peer's sends
   * throw ClosedError. Any later use of this object throws ClosedError.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Records which end closed (diagnostics); read by no wait path.
    Atomics.or(this.#header, CLOSED_ENDS, 1 << this.handle.end);
    // Incoming first: a peer that sees the end of our outgoing stream then
    // already finds its sends refused (the other order let one slip in).
    this.#in?.close();
    this.#out?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ------------------------------------------------------------ internals: checks

  #checkSend(what: string): void {
    if (this.#closed) throw closedHere(what);
    if (this.#out === null) {
      throw new TypeError(
        `Connection.${what}: this end of a one-way pipe is the reader; send on the writer (the second end Pipe({ duplex: false }) returned)`,
      );
    }
    if (this.#out.closed) {
      throw new ClosedError(
        `Connection.${what}: the peer closed the connection (or this end called closeSend()); nothing more can be sent`,
      );
    }
  }

  #checkRecv(what: string): void {
    if (this.#closed) throw closedHere(what);
    if (this.#in === null) {
      throw new TypeError(
        `Connection.${what}: this end of a one-way pipe is the writer; receive on the reader (the first end Pipe({ duplex: false }) returned)`,
      );
    }
  }

  #checkFits(room: number, what: string, name: string): void {
    const length = this.#inLength;
    if (length > room) {
      throw new RangeError(
        `Connection.${what}: the next message is ${length} bytes, longer than ${name} (${room}); ` +
          "it stays in the pipe: receive it with a larger maxLength or a larger buffer",
      );
    }
  }

  // ------------------------------------------------------------ internals: sending

  /** The frame of `payload` as pieces to push in order. */
  #frame(payload: Uint8Array, what: string): Uint8Array[] {
    const length = payload.length;
    if (length > MAX_MESSAGE_BYTES) {
      throw new RangeError(
        `Connection.${what}: a message is at most 2^31 - 1 bytes, got ${length}; split it`,
      );
    }
    const pad = padding(length);
    const frameLength = FRAME_HEADER_BYTES + length + pad;
    if (frameLength <= SMALL_FRAME && frameLength <= this.handle.capacity) {
      // Bytes 4-7 of the scratch are never written: they stay 0.
      this.#sendScratch ??= new Uint8Array(SMALL_FRAME);
      const scratch = this.#sendScratch;
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

  #trySendFrame(payload: Uint8Array, what: string): boolean {
    const out = this.#out as RingBuffer<Uint8Array>;
    const frameLength = FRAME_HEADER_BYTES + payload.length + padding(payload.length);
    if (frameLength > this.handle.capacity) {
      throw new RangeError(
        `Connection.${what}: the message needs ${frameLength} bytes, more than the pipe's capacity (${this.handle.capacity}), so it never fits at once; use send/sendBytes (they stream it in parts)`,
      );
    }
    if (this.#outPending !== null) {
      const rest = this.#outPending;
      const pushed = out.push(rest);
      this.#outPending = pushed === rest.length ? null : rest.subarray(pushed);
      if (this.#outPending !== null) return false;
    }
    if (out.availableWrite < frameLength) return false;
    // Room for the whole frame: a single producer's pushes cannot fail now.
    for (const piece of this.#frame(payload, what)) out.push(piece);
    return true;
  }

  #sendFrameSync(payload: Uint8Array, deadline: Deadline, what: string): void {
    const out = this.#out as RingBuffer<Uint8Array>;
    if (this.#outPending !== null) {
      this.#pushSync([this.#outPending], deadline, what, true);
    }
    const pieces = this.#frame(payload, what);
    // Fast path: one frame that fits now goes in without parsing a deadline again.
    if (pieces.length === 1) {
      const only = pieces[0] as Uint8Array;
      let n: number;
      try {
        n = out.push(only);
      } catch (error) {
        throw this.#sendFailed(error, pieces, 0, 0, false, deadline, what);
      }
      if (n === only.length) return;
      pieces[0] = only.subarray(n);
      this.#pushSync(pieces, deadline, what, n > 0);
      return;
    }
    this.#pushSync(pieces, deadline, what, false);
  }

  async #sendFrameAsync(payload: Uint8Array, deadline: Deadline, what: string): Promise<void> {
    if (this.#outPending !== null) {
      await this.#pushAsync([this.#outPending], deadline, what, true);
    }
    await this.#pushAsync(this.#frame(payload, what), deadline, what, false);
  }

  /**
   * Pushes `pieces` in order with pushAll. On a failure after part of the
   * frame went in (`started`, or bytes pushed now), keeps a copy of the rest
   * in #outPending so the frame is finished before the next one.
   */
  #pushSync(pieces: Uint8Array[], deadline: Deadline, what: string, started: boolean): void {
    const out = this.#out as RingBuffer<Uint8Array>;
    const words = this.#outWords as Int32Array;
    this.#outPending = null;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as Uint8Array;
      // Our own producer word: how far we had published before this piece.
      const before = Atomics.load(words, WRITE_INDEX);
      try {
        out.pushAll(piece, waitOptions(deadline));
      } catch (error) {
        // How much of the piece went in (the producer's own counter).
        const pushed = (Atomics.load(words, WRITE_INDEX) - before) | 0;
        throw this.#sendFailed(error, pieces, i, pushed, started, deadline, what);
      }
      started = true;
    }
  }

  async #pushAsync(
    pieces: Uint8Array[],
    deadline: Deadline,
    what: string,
    started: boolean,
  ): Promise<void> {
    const out = this.#out as RingBuffer<Uint8Array>;
    const words = this.#outWords as Int32Array;
    this.#outPending = null;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as Uint8Array;
      const before = Atomics.load(words, WRITE_INDEX);
      try {
        await out.pushAllAsync(piece, waitOptions(deadline));
      } catch (error) {
        const pushed = (Atomics.load(words, WRITE_INDEX) - before) | 0;
        throw this.#sendFailed(error, pieces, i, pushed, started, deadline, what);
      }
      started = true;
    }
  }

  #sendFailed(
    error: unknown,
    pieces: Uint8Array[],
    index: number,
    pushed: number,
    started: boolean,
    deadline: Deadline,
    what: string,
  ): unknown {
    if (error instanceof ClosedError) {
      return new ClosedError(
        `Connection.${what}: the peer closed the connection; the message was not delivered`,
        { cause: error },
      );
    }
    if (started || pushed > 0) {
      // Keep the rest of the frame (copied: the caller may reuse its buffer).
      let restLength = 0;
      for (let j = index; j < pieces.length; j++) restLength += (pieces[j] as Uint8Array).length;
      restLength -= pushed;
      const rest = new Uint8Array(restLength);
      let at = 0;
      for (let j = index; j < pieces.length; j++) {
        const piece = (pieces[j] as Uint8Array).subarray(j === index ? pushed : 0);
        rest.set(piece, at);
        at += piece.length;
      }
      this.#outPending = rest.length > 0 ? rest : null;
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

  // ------------------------------------------------------------ internals: receiving

  #endOfStream(what: string, cause: unknown): ClosedError {
    const midFrame = this.#lengthGot > 0 || this.#inLength >= 0;
    return new ClosedError(
      midFrame
        ? `Connection.${what}: the peer closed the connection in the middle of a message (it was sending when it closed); the partial message is dropped`
        : `Connection.${what}: the peer closed the connection and every message it sent has been received (Python's EOFError)`,
      { cause },
    );
  }

  #recvTimeout(deadline: Deadline, what: string): TimeoutError {
    return new TimeoutError(
      `Connection.${what} timed out after ${deadline.timeoutMs} ms: no complete message arrived; ` +
        "anything partly read is kept for the next receive (nothing is lost)",
    );
  }

  /** Sets #inLength from the 8 header bytes in #lengthBytes. */
  #takeLength(): void {
    const b = this.#lengthBytes;
    const length =
      (b[0] as number) |
      ((b[1] as number) << 8) |
      ((b[2] as number) << 16) |
      ((b[3] as number) << 24);
    const reserved = (b[4] as number) | (b[5] as number) | (b[6] as number) | (b[7] as number);
    this.#lengthGot = 0;
    if (length < 0 || reserved !== 0) {
      throw new InvalidHandleError(
        `Connection: a frame header says ${length} bytes${reserved !== 0 ? " and its reserved bytes are not 0" : ""}: the pipe's memory was overwritten or two threads sent on one end at once; create a new pipe`,
      );
    }
    this.#inPad = padding(length); // read (and dropped) after the body
    this.#padGot = 0;
    this.#inLength = length;
    this.#inBody = null;
    this.#inGot = 0;
  }

  /** The view a receive step still has to fill (empty when the step is done). */
  #needed(step: Step): Uint8Array {
    if (step === HEADER) return this.#lengthBytes.subarray(this.#lengthGot);
    if (this.#inGot < this.#inLength) {
      return (this.#inBody as Uint8Array).subarray(this.#inGot, this.#inLength);
    }
    return this.#lengthBytes.subarray(this.#padGot, this.#inPad); // the padding, dropped
  }

  /** Counts `n` bytes received by `step`; `true` once the step is done (a whole header is then taken). */
  #advance(step: Step, n: number): boolean {
    if (step === HEADER) {
      if (this.#inLength >= 0) return true; // taken by an earlier, interrupted call
      this.#lengthGot += n;
      if (this.#lengthGot < FRAME_HEADER_BYTES) return false;
      this.#takeLength();
      return true;
    }
    if (this.#inGot < this.#inLength) this.#inGot += n;
    else this.#padGot += n;
    return this.#inGot === this.#inLength && this.#padGot === this.#inPad;
  }

  /** Pops what is there for `step` (body, then padding) without waiting; `true` once the step is done. */
  #popThere(step: Step): boolean {
    const ring = this.#in as RingBuffer<Uint8Array>;
    // At most three rounds: header; or body, then padding.
    while (!this.#advance(step, 0)) {
      const view = this.#needed(step);
      const n = ring.pop(view);
      if (this.#advance(step, n)) return true;
      if (n < view.length) return false; // the ring has no more now
    }
    return true;
  }

  /**
   * The receive loop of the blocking and try forms (the header, or the body):
   * take what is in the ring, then wait for the rest with popSome. Try forms
   * (`deadline` undefined) read a body only after #tryWhole saw all of it.
   */
  #fillSync(step: Step, deadline: Deadline | undefined, what: string): void {
    const ring = this.#in as RingBuffer<Uint8Array>;
    try {
      while (!this.#popThere(step)) {
        if (deadline === undefined)
          throw new Error("Connection: the ring lost bytes it had published");
        // A timeout of 0 (poll() and try-like calls) must not spin: give up at once.
        if (deadline.timeoutMs === 0) throw deadline.timeoutError(`Connection.${what}`);
        if (this.#advance(step, ring.popSome(this.#needed(step), waitOptions(deadline)))) return;
      }
    } catch (error) {
      throw this.#recvFailed(error, deadline, what);
    }
  }

  /** #fillSync's loop with popSomeAsync: never blocks the thread. */
  async #fillAsync(step: Step, deadline: Deadline, what: string): Promise<void> {
    const ring = this.#in as RingBuffer<Uint8Array>;
    try {
      while (!this.#popThere(step)) {
        if (deadline.timeoutMs === 0) throw deadline.timeoutError(`Connection.${what}`);
        const n = await ring.popSomeAsync(this.#needed(step), waitOptions(deadline));
        if (this.#advance(step, n)) return;
      }
    } catch (error) {
      throw this.#recvFailed(error, deadline, what);
    }
  }

  /** For try forms: `true` when a whole message is there now (the header is then taken). */
  #tryWhole(): boolean {
    const ring = this.#in as RingBuffer<Uint8Array>;
    try {
      if (!this.#popThere(HEADER)) return false;
    } catch (error) {
      throw this.#recvFailed(error, undefined, "tryRecv");
    }
    return ring.availableRead >= this.#inLength - this.#inGot + this.#inPad - this.#padGot;
  }

  #recvFailed(error: unknown, deadline: Deadline | undefined, what: string): unknown {
    if (error instanceof ClosedError) {
      this.#lengthGot = 0;
      const end = this.#endOfStream(what, error);
      this.#inLength = -1;
      this.#inBody = null;
      return end;
    }
    if (this.#inBodyKind === "user" && this.#inBody !== null) {
      // Keep the part read so far in our own memory, not in the caller's buffer.
      const own = new Uint8Array(this.#inLength);
      own.set(this.#inBody.subarray(0, this.#inGot));
      this.#inBody = own;
      this.#inBodyKind = "fresh";
    } else if (this.#inBodyKind === "scratch" && this.#inBody !== null) {
      this.#inBody = this.#inBody.slice(0, this.#inLength);
      this.#inBodyKind = "fresh";
    }
    if (error instanceof TimeoutError && deadline !== undefined)
      return this.#recvTimeout(deadline, what);
    return error;
  }

  /** Chooses where the body goes; moves a partly read body there if it is elsewhere. */
  #startBody(kind: BodyKind, user?: Uint8Array): void {
    const length = this.#inLength;
    const current = this.#inBody;
    let target: Uint8Array;
    if (kind === "user") target = (user as Uint8Array).subarray(0, length);
    else if (current !== null)
      return; // a partly read body, always in our own memory (see #recvFailed)
    else if (kind === "scratch" && length <= SCRATCH_BYTES) {
      this.#recvScratch ??= new Uint8Array(SCRATCH_BYTES);
      target = this.#recvScratch.subarray(0, length);
    } else {
      target = new Uint8Array(length);
      kind = "fresh";
    }
    if (current !== null && current !== target) target.set(current.subarray(0, this.#inGot));
    this.#inBody = target;
    this.#inBodyKind = kind;
  }

  /** Ends the current frame and returns its body. */
  #takeBody(): Uint8Array {
    const body = this.#inBody as Uint8Array;
    this.#inLength = -1;
    this.#inBody = null;
    this.#inGot = 0;
    return body;
  }

  #finishDecode(): T {
    return this.codec.decode(this.#takeBody());
  }

  #finishBytes(): Uint8Array {
    return this.#takeBody();
  }

  #finishInto(): number {
    return this.#takeBody().length;
  }
}

// ------------------------------------------------------------ Pipe

/**
 * Makes a pipe and returns its two ends (Python's `multiprocessing.Pipe`).
 * Duplex (default): both ends send and receive. `duplex: false`:
 * `[reader, writer]` — the first only receives, the second only sends.
 *
 * @example
 * ```ts
 * const [a, b] = Pipe({ capacity: 1 << 20 });
 * a.send([1, 2, 3]);
 * b.recv();   // [1, 2, 3]
 * ```
 * @throws RangeError for a bad capacity; TypeError for bad options or codec.
 */
export function Pipe<T = unknown>(options: PipeOptions<T> = {}): [Connection<T>, Connection<T>] {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      "Pipe(options): options must be an object like { duplex, capacity, codec } or undefined",
    );
  }
  const duplex = options.duplex ?? true;
  if (typeof duplex !== "boolean") {
    throw new TypeError(`Pipe(options): duplex must be true or false, got ${String(duplex)}`);
  }
  const capacity =
    options.capacity === undefined
      ? DEFAULT_PIPE_CAPACITY
      : validateCount(options.capacity, "Pipe options.capacity", {
          min: 1,
          max: MAX_PIPE_CAPACITY,
        });
  const codec = checkCodec<T>(options.codec ?? (structuredCodec as Codec<T>), "Pipe options.codec");
  const buffer = allocate(PIPE_HEADER);
  const header = new Int32Array(buffer);
  header[DUPLEX] = duplex ? 1 : 0;
  header[PIPE_CAPACITY] = capacity;
  KIND.writeTag(header); // before any handle exists
  // ring0: end 1 -> end 0 (end 0 receives); ring1: end 0 -> end 1.
  const toEnd0 = new RingBuffer(Uint8Array, capacity).handle;
  const toEnd1 = duplex ? new RingBuffer(Uint8Array, capacity).handle : null;
  const region = { buffer, byteOffset: 0, byteLength: PIPE_HEADER.byteLength };
  const common = { duplex, capacity, codec: codec.name };
  // Duplex: end 0 reads toEnd0 and writes toEnd1, end 1 the reverse.
  // One-way: end 0 (the reader) reads toEnd0, end 1 (the writer) writes it.
  const h0 = KIND.makeHandle(region, { ...common, end: 0, incoming: toEnd0, outgoing: toEnd1 });
  const h1 = KIND.makeHandle(region, { ...common, end: 1, incoming: toEnd1, outgoing: toEnd0 });
  return [new Connection<T>(h0, codec), new Connection<T>(h1, codec)];
}

// ------------------------------------------------------------ helpers

function waitOptions(deadline: Deadline): WaitOptions {
  return { timeout: deadline.remainingMs(), signal: deadline.signal };
}

function closedHere(what: string): ClosedError {
  return new ClosedError(
    `Connection.${what}: this connection is closed (close() was called on it); make a new Pipe`,
  );
}

function pollOutcome(error: unknown): boolean {
  if (error instanceof TimeoutError) return false;
  // End of stream: there is "something" to receive — the ClosedError recv will throw.
  if (error instanceof ClosedError) return true;
  throw error;
}

/** Zero bytes after a payload of `length` bytes, to end its frame on a multiple of 8. */
function padding(length: number): number {
  return (FRAME_HEADER_BYTES - (length % FRAME_HEADER_BYTES)) % FRAME_HEADER_BYTES;
}

function writeLength(into: Uint8Array, length: number): void {
  into[0] = length & 0xff;
  into[1] = (length >>> 8) & 0xff;
  into[2] = (length >>> 16) & 0xff;
  into[3] = (length >>> 24) & 0xff;
}

function attachRing(
  handle: RingBufferHandle | null | undefined,
  wanted: boolean,
  capacity: number,
  what: string,
): RingBuffer<Uint8Array> | null {
  if (!wanted) {
    if (handle !== null) {
      throw new InvalidHandleError(`${what}: must be null for this end of a one-way pipe`);
    }
    return null;
  }
  if (handle === null || handle === undefined) {
    throw new InvalidHandleError(`${what}: this end needs a ring handle, got ${String(handle)}`);
  }
  const ring = RingBuffer.from<Uint8Array>(handle);
  if (ring.elementType !== Uint8Array || ring.capacity !== capacity) {
    throw new InvalidHandleError(
      `${what}: expected a Uint8Array ring of ${capacity} bytes, got ${ring.elementType.name} × ${ring.capacity}`,
    );
  }
  return ring;
}

function checkMaxLength(maxLength: unknown, what: string): number {
  if (maxLength === undefined) return MAX_MESSAGE_BYTES;
  return validateCount(maxLength, `${what} maxLength`, { min: 0, max: MAX_MESSAGE_BYTES });
}

/** The bytes of `buf` (a view or ArrayBuffer) from byte `offset`, `size` long. */
function bytesOf(
  buf: ArrayBufferView | ArrayBufferLike,
  offset: number | undefined,
  size: number | undefined,
  what: string,
): Uint8Array {
  const whole = asBytes(buf, what);
  const start =
    offset === undefined
      ? 0
      : validateCount(offset, `${what} offset`, { min: 0, max: whole.length });
  const length =
    size === undefined
      ? whole.length - start
      : validateCount(size, `${what} size`, { min: 0, max: MAX_MESSAGE_BYTES });
  if (start + length > whole.length) {
    throw new RangeError(
      `${what}: offset (${start}) + size (${length}) is past the end of buf (${whole.length} bytes)`,
    );
  }
  return whole.subarray(start, start + length);
}

/** The bytes of `buf` from byte `offset` to its end (where received bytes go). */
function intoBytes(
  buf: ArrayBufferView | ArrayBufferLike,
  offset: number | undefined,
  what: string,
): Uint8Array {
  return bytesOf(buf, offset, undefined, what);
}

function asBytes(buf: unknown, what: string): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (
    buf instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(buf);
  }
  throw new TypeError(
    `${what}: buf must be a typed array, a DataView or an ArrayBuffer, got ${buf === null ? "null" : typeof buf}`,
  );
}
