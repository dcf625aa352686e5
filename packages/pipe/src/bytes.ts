/**
 * Arguments that name bytes: a buffer with an offset and size, or a maximum length.
 */
import { validateCount } from "@sabkit/core/internal";
import { MAX_MESSAGE_BYTES } from "./frame.js";

/** `maxLength` of a receive, checked (default: the largest message). */
export function checkMaxLength(maxLength: unknown, what: string): number {
  if (maxLength === undefined) return MAX_MESSAGE_BYTES;
  return validateCount(maxLength, `${what} maxLength`, { min: 0, max: MAX_MESSAGE_BYTES });
}

/** The bytes of `buf` (a view or ArrayBuffer) from byte `offset`, `size` long. */
export function bytesOf(
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
export function intoBytes(
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
