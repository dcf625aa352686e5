/**
 * The codec interface: how a message becomes bytes in shared memory and back.
 *
 * Queues, pipes and shared containers copy messages through shared memory as
 * bytes. A codec is the pair of functions that turn a value into those bytes
 * and back. sabkit ships three ({@link structuredCodec}, the default;
 * {@link jsonCodec}; {@link bytesCodec}); users can implement their own.
 *
 * Contract:
 * - `encode(value)` returns bytes that stay unchanged until the next `encode`
 *   call on the same codec object (the caller copies them into shared memory
 *   first). It may reuse one internal buffer: that is what makes it fast.
 * - `decode(bytes)` receives bytes that are valid only during the call (the
 *   caller reuses its buffer): copy whatever the result keeps.
 * - `name` identifies the codec in a primitive's handle, so that a worker
 *   reviving the primitive uses the same one. Built-in names start with
 *   `"sabkit."`.
 * - Both may throw (a value the codec cannot encode, bytes it cannot read):
 *   the error reaches the caller of `put` / `get`, and nothing is put or lost.
 *
 * @example
 * ```ts
 * const upperCodec: Codec<string> = {
 *   name: "example.upper",
 *   encode: (value) => new TextEncoder().encode(value.toUpperCase()),
 *   decode: (bytes) => new TextDecoder().decode(bytes),
 * };
 * ```
 */
export interface Codec<T = unknown> {
  /** Identifies the codec (stored in handles); built-ins start with `"sabkit."`. */
  readonly name: string;
  /** Value -> bytes, valid until the next `encode` on this codec. */
  encode(value: T): Uint8Array;
  /** Bytes (valid only during the call) -> value. */
  decode(bytes: Uint8Array): T;
  /**
   * Optional fast path of `encode` for a caller that collects messages in a
   * buffer of its own (a queue's batch): appends the encoding of `value` to
   * `sink.bytes` from `sink.position` and advances `sink.position` past it.
   * When the room runs out it replaces `sink.bytes` with a larger copy that
   * keeps every byte before the old position. If it throws, `sink.position`
   * is unchanged (`sink.bytes` may have grown). Saves `encode`'s returned view
   * and the caller's copy of it.
   */
  encodeInto?(value: T, sink: { bytes: Uint8Array; position: number }): void;
  /**
   * Optional fast path of `decode`: the same as
   * `decode(bytes.subarray(start, end))` without making the view.
   */
  decodeRange?(bytes: Uint8Array, start: number, end: number): T;
}
