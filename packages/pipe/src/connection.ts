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
 * The pipe's shared header (which rings, closed ends) is in pipe-header.ts.
 * Each message is one frame in the ring (its format in frame.ts); the
 * sending half is a {@link FrameWriter} (frame-writer.ts), the receiving
 * half a {@link FrameReader} (frame-reader.ts). This class checks arguments
 * and state, encodes and decodes, and delegates.
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
 * Shared memory is untrusted: the header's words are checked against the
 * handle on attach, and a frame length outside [0, 2^31 - 1] is an
 * InvalidHandleError (the ring was overwritten or used by two senders).
 */
import {
  ClosedError,
  type Codec,
  type Shareable,
  structuredCodec,
  TimeoutError,
  type WaitOptions,
} from "@sabkit/core";
import {
  type AttachOption,
  attachedHandle,
  attachOptions,
  checkCodec,
  Deadline,
  registerKind,
  resolveCodec,
  validateCount,
  validateTimeout,
} from "@sabkit/core/internal";
import { bytesOf, checkMaxLength, intoBytes } from "./bytes.js";
import { BODY, FrameReader, HEADER } from "./frame-reader.js";
import { FrameWriter } from "./frame-writer.js";
import {
  attachEnd,
  CLOSED_ENDS,
  type ConnectionHandle,
  createPipe,
  DEFAULT_PIPE_CAPACITY,
  MAX_PIPE_CAPACITY,
  PIPE_KIND,
} from "./pipe-header.js";
import { makeReadable, makeWritable } from "./streams.js";

export type { ConnectionHandle } from "./pipe-header.js";

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
    registerKind(PIPE_KIND.kind, { from: (handle) => Connection.from(handle) });
  }
  readonly handle: ConnectionHandle;
  readonly codec: Codec<T>;
  readonly #header: Int32Array;
  readonly #reader: FrameReader | null;
  readonly #writer: FrameWriter | null;
  #closed = false;
  #readableStream: ReadableStream<Uint8Array> | undefined;
  #writableStream: WritableStream<Uint8Array | ArrayBufferView | ArrayBuffer> | undefined;

  /** Ends come from {@link Pipe} and {@link Connection.from}, which attach to a validated handle. */
  private constructor(options: AttachOption<ConnectionHandle> & ConnectionFromOptions<T>) {
    const what = "Connection.from(handle)";
    const handle = attachedHandle<ConnectionHandle>(options) as ConnectionHandle;
    const codec = resolveCodec<T>(
      handle.codec,
      options.codec,
      what,
      "Connection.from(handle, { codec })",
    );
    const { header, incoming, outgoing } = attachEnd(handle, what);
    this.#reader = incoming === null ? null : new FrameReader(incoming);
    this.#writer = outgoing === null ? null : new FrameWriter(outgoing);
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
    const valid = PIPE_KIND.validate(handle, "Connection.from(handle)");
    return new Connection<T>({ codec: options?.codec, ...attachOptions(valid) });
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
    const writer = this.#sender("send");
    const deadline = Deadline.from(options, "Connection.send options");
    writer.send(this.codec.encode(value), deadline, "send");
  }

  /** `send` that never blocks the thread (`signal` aborts it). */
  async sendAsync(value: T, options?: WaitOptions): Promise<void> {
    const writer = this.#sender("sendAsync");
    const deadline = Deadline.from(options, "Connection.sendAsync options");
    await writer.sendAsync(this.codec.encode(value), deadline, "sendAsync");
  }

  /**
   * Sends `value` only if the whole message fits in the ring now; `false`
   * when it does not (nothing sent).
   *
   * @throws RangeError when the message's frame (8 header bytes + the message + padding to a multiple of 8) is larger than the ring (it can never fit at once: use send).
   */
  trySend(value: T): boolean {
    const writer = this.#sender("trySend");
    return writer.trySend(this.codec.encode(value), "trySend");
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
    const writer = this.#sender("sendBytes");
    const bytes = bytesOf(buf, offset, size, "Connection.sendBytes");
    const deadline = Deadline.from(options, "Connection.sendBytes options");
    writer.send(bytes, deadline, "sendBytes");
  }

  /** `sendBytes` that never blocks the thread. */
  async sendBytesAsync(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    size?: number,
    options?: WaitOptions,
  ): Promise<void> {
    const writer = this.#sender("sendBytesAsync");
    const bytes = bytesOf(buf, offset, size, "Connection.sendBytesAsync");
    const deadline = Deadline.from(options, "Connection.sendBytesAsync options");
    await writer.sendAsync(bytes, deadline, "sendBytesAsync");
  }

  /** `sendBytes` that sends only if the whole message fits now; `false` otherwise. */
  trySendBytes(buf: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number): boolean {
    const writer = this.#sender("trySendBytes");
    return writer.trySend(bytesOf(buf, offset, size, "Connection.trySendBytes"), "trySendBytes");
  }

  /**
   * Half-close: ends the outgoing direction. The peer receives everything
   * sent so far, then ClosedError; this end can still receive. Idempotent.
   */
  closeSend(): void {
    // RingBuffer.close publishes "closed" and wakes both sides of that ring.
    this.#writer?.ring.close();
  }

  /** Ends the incoming direction: the peer's later sends throw ClosedError. Idempotent. */
  closeReceive(): void {
    this.#reader?.ring.close();
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
    const reader = this.#receiver("recv");
    const deadline = Deadline.from(options, "Connection.recv options");
    reader.fill(HEADER, deadline, "recv");
    reader.startBody("scratch");
    reader.fill(BODY, deadline, "recv");
    return this.codec.decode(reader.takeBody());
  }

  /** `recv` that never blocks the thread (`signal` aborts it). */
  async recvAsync(options?: WaitOptions): Promise<T> {
    const reader = this.#receiver("recvAsync");
    const deadline = Deadline.from(options, "Connection.recvAsync options");
    await reader.fillAsync(HEADER, deadline, "recvAsync");
    reader.startBody("scratch");
    await reader.fillAsync(BODY, deadline, "recvAsync");
    return this.codec.decode(reader.takeBody());
  }

  /** Receives a message only if one is wholly there now. */
  tryRecv(): TryRecvResult<T> {
    const reader = this.#receiver("tryRecv");
    if (!reader.tryWhole("tryRecv")) return { ok: false };
    reader.startBody("scratch");
    reader.fillNow(BODY, "tryRecv");
    return { ok: true, value: this.codec.decode(reader.takeBody()) };
  }

  /**
   * Receives the next message as a new Uint8Array (Python's `recv_bytes`).
   * A message longer than `maxLength` is a RangeError and stays in the pipe:
   * the next `recvBytes` with a larger `maxLength` (or `recvBytesInto`) gets it.
   */
  recvBytes(maxLength?: number, options?: WaitOptions): Uint8Array {
    const reader = this.#receiver("recvBytes");
    const max = checkMaxLength(maxLength, "Connection.recvBytes");
    const deadline = Deadline.from(options, "Connection.recvBytes options");
    reader.fill(HEADER, deadline, "recvBytes");
    reader.checkFits(max, "recvBytes", "maxLength");
    reader.startBody("fresh");
    reader.fill(BODY, deadline, "recvBytes");
    return reader.takeBody();
  }

  /** `recvBytes` that never blocks the thread. */
  async recvBytesAsync(maxLength?: number, options?: WaitOptions): Promise<Uint8Array> {
    const reader = this.#receiver("recvBytesAsync");
    const max = checkMaxLength(maxLength, "Connection.recvBytesAsync");
    const deadline = Deadline.from(options, "Connection.recvBytesAsync options");
    await reader.fillAsync(HEADER, deadline, "recvBytesAsync");
    reader.checkFits(max, "recvBytesAsync", "maxLength");
    reader.startBody("fresh");
    await reader.fillAsync(BODY, deadline, "recvBytesAsync");
    return reader.takeBody();
  }

  /** `recvBytes` only if a message is wholly there now; `undefined` otherwise. */
  tryRecvBytes(maxLength?: number): Uint8Array | undefined {
    const reader = this.#receiver("tryRecvBytes");
    const max = checkMaxLength(maxLength, "Connection.tryRecvBytes");
    if (!reader.tryWhole("tryRecv")) return undefined;
    reader.checkFits(max, "tryRecvBytes", "maxLength");
    reader.startBody("fresh");
    reader.fillNow(BODY, "tryRecvBytes");
    return reader.takeBody();
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
    const reader = this.#receiver("recvBytesInto");
    const target = intoBytes(buf, offset, "Connection.recvBytesInto");
    const deadline = Deadline.from(options, "Connection.recvBytesInto options");
    reader.fill(HEADER, deadline, "recvBytesInto");
    reader.checkFits(target.length, "recvBytesInto", "the room in buf from offset");
    reader.startBody("user", target);
    reader.fill(BODY, deadline, "recvBytesInto");
    return reader.takeBody().length;
  }

  /** `recvBytesInto` that never blocks the thread. */
  async recvBytesIntoAsync(
    buf: ArrayBufferView | ArrayBufferLike,
    offset?: number,
    options?: WaitOptions,
  ): Promise<number> {
    const reader = this.#receiver("recvBytesIntoAsync");
    const target = intoBytes(buf, offset, "Connection.recvBytesIntoAsync");
    const deadline = Deadline.from(options, "Connection.recvBytesIntoAsync options");
    await reader.fillAsync(HEADER, deadline, "recvBytesIntoAsync");
    reader.checkFits(target.length, "recvBytesIntoAsync", "the room in buf from offset");
    reader.startBody("user", target);
    await reader.fillAsync(BODY, deadline, "recvBytesIntoAsync");
    return reader.takeBody().length;
  }

  /**
   * `true` when there is something to receive, waiting up to `timeout` ms
   * (default 0: do not wait; `Infinity` waits forever) — Python's `poll`.
   * Also `true` when the peer has closed and everything was received (the
   * next recv throws ClosedError, as Python's poll then recv raises EOFError).
   */
  poll(timeout = 0): boolean {
    const reader = this.#receiver("poll");
    const deadline = Deadline.after(validateTimeout(timeout, "Connection.poll timeout"));
    if (reader.length >= 0) return true;
    try {
      reader.fill(HEADER, deadline, "poll");
      return true;
    } catch (error) {
      return pollOutcome(error);
    }
  }

  /** `poll` that never blocks the thread (`signal` aborts it). */
  async pollAsync(timeout = 0, options?: { signal?: AbortSignal }): Promise<boolean> {
    const reader = this.#receiver("pollAsync");
    const deadline = Deadline.from(
      {
        timeout: validateTimeout(timeout, "Connection.pollAsync timeout"),
        signal: options?.signal,
      },
      "Connection.pollAsync options",
    );
    if (reader.length >= 0) return true;
    try {
      await reader.fillAsync(HEADER, deadline, "pollAsync");
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
    this.#receiver("readable");
    this.#readableStream ??= makeReadable(this as Connection<unknown>);
    return this.#readableStream;
  }

  /**
   * A WHATWG WritableStream: each chunk (Uint8Array, any ArrayBufferView or
   * ArrayBuffer) is sent as one message, with backpressure from the ring.
   * Closing it half-closes this end (`closeSend`): the peer's readable ends.
   */
  get writable(): WritableStream<Uint8Array | ArrayBufferView | ArrayBuffer> {
    this.#sender("writable");
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
    this.#reader?.ring.close();
    this.#writer?.ring.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ------------------------------------------------------------ internals: checks

  /** The writer, after checking that this end may send now. */
  #sender(what: string): FrameWriter {
    if (this.#closed) throw closedHere(what);
    if (this.#writer === null) {
      throw new TypeError(
        `Connection.${what}: this end of a one-way pipe is the reader; send on the writer (the second end Pipe({ duplex: false }) returned)`,
      );
    }
    if (this.#writer.ring.closed) {
      throw new ClosedError(
        `Connection.${what}: the peer closed the connection (or this end called closeSend()); nothing more can be sent`,
      );
    }
    return this.#writer;
  }

  /** The reader, after checking that this end may receive. */
  #receiver(what: string): FrameReader {
    if (this.#closed) throw closedHere(what);
    if (this.#reader === null) {
      throw new TypeError(
        `Connection.${what}: this end of a one-way pipe is the writer; receive on the reader (the first end Pipe({ duplex: false }) returned)`,
      );
    }
    return this.#reader;
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
  const [h0, h1] = createPipe(duplex, capacity, codec.name);
  return [Connection.from<T>(h0, { codec }), Connection.from<T>(h1, { codec })];
}

// ------------------------------------------------------------ helpers

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
