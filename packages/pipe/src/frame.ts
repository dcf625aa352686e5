/**
 * The frame format of a pipe's byte stream: what one message looks like in
 * a ring. Written by {@link FrameWriter}, read by {@link FrameReader}.
 *
 * | bytes            | field    | legal values                                  |
 * |------------------|----------|-----------------------------------------------|
 * | 0-3              | length   | `L`, little-endian, 0 <= L <= 2^31 - 1         |
 * | 4-7              | reserved | 0                                             |
 * | 8 .. 8 + L       | payload  | the message's bytes                           |
 * | 8 + L .. (8-aligned) | padding | 0-7 zero bytes                             |
 *
 * Every frame is a multiple of 8 bytes, so every payload starts at a stream
 * position that is a multiple of 8. That matters for speed: copying into or
 * out of shared memory goes a word at a time only when source and
 * destination are equally aligned (a payload at a position 4 mod 8 copies
 * byte by byte, about 9x slower), so with a ring capacity that is a multiple
 * of 8 (the default is) an 8-aligned buffer goes in and out at full speed.
 *
 * The bytes come from shared memory, so they are untrusted: a length outside
 * [0, 2^31 - 1] or non-zero reserved bytes is an InvalidHandleError.
 */
import { InvalidHandleError } from "@sabkit/core";

/** Largest message in bytes (lengths are int32 in the frame header). */
export const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
/** Bytes of a frame header (length, then 4 zero bytes). Frames are padded to a multiple of this. */
export const FRAME_HEADER_BYTES = 8;

/** Zero bytes after a payload of `length` bytes, to end its frame on a multiple of 8. */
export function padding(length: number): number {
  return (FRAME_HEADER_BYTES - (length % FRAME_HEADER_BYTES)) % FRAME_HEADER_BYTES;
}

/** Bytes of the whole frame of a `length`-byte payload (header, payload, padding). */
export function frameBytes(length: number): number {
  return FRAME_HEADER_BYTES + length + padding(length);
}

/** Writes `length` into the first 4 bytes of a header (bytes 4-7 are left as they are: 0). */
export function writeLength(into: Uint8Array, length: number): void {
  into[0] = length & 0xff;
  into[1] = (length >>> 8) & 0xff;
  into[2] = (length >>> 16) & 0xff;
  into[3] = (length >>> 24) & 0xff;
}

/**
 * The payload length of the 8 header bytes `b`.
 *
 * @throws InvalidHandleError for a negative length or non-zero reserved bytes.
 */
export function readLength(b: Uint8Array): number {
  const length =
    (b[0] as number) |
    ((b[1] as number) << 8) |
    ((b[2] as number) << 16) |
    ((b[3] as number) << 24);
  const reserved = (b[4] as number) | (b[5] as number) | (b[6] as number) | (b[7] as number);
  if (length < 0 || reserved !== 0) {
    throw new InvalidHandleError(
      `Connection: a frame header says ${length} bytes${reserved !== 0 ? " and its reserved bytes are not 0" : ""}: the pipe's memory was overwritten or two threads sent on one end at once; create a new pipe`,
    );
  }
  return length;
}
