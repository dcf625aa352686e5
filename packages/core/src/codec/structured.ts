/**
 * `structuredCodec`: the default codec. Round-trips what structured clone
 * does — primitives (including -0, NaN, BigInt and undefined), arrays (with
 * holes), plain objects, Date, RegExp, Map, Set, ArrayBuffer, typed arrays
 * and DataView, Error (name, message, stack, cause), boxed primitives — and
 * keeps object identity: shared references stay shared and cycles are fine.
 * No dependency, the same bytes in every JavaScript engine.
 *
 * Why our own: measured in packages/queue/bench (group "codecs"), encoding
 * and decoding small values here is several times faster than msgpackr's
 * structured-clone mode, cbor-x, and `v8.serialize` (Node only); and msgpackr
 * and cbor-x turn -0 into 0.
 *
 * Where it differs from structured clone (documented, tested):
 * - typed arrays and DataViews carry a copy of their own bytes only, so two
 *   views of one buffer arrive as views of two buffers;
 * - a view over a SharedArrayBuffer arrives as a view over a copy (an
 *   ArrayBuffer); a SharedArrayBuffer itself is a TypeError (share it as a
 *   value of a handle instead);
 * - class instances arrive as plain objects (as with structured clone), and
 *   an Error's own extra properties are dropped except `cause`.
 * Functions, symbols, WeakMap, WeakSet, WeakRef and Promise are a TypeError
 * naming what was found (structured clone's DataCloneError).
 *
 * The format is in structured-format.ts, the two passes in structured-encoder.ts
 * and structured-decoder.ts.
 */
import type { Codec } from "./codec.js";
import { Decoder } from "./structured-decoder.js";
import { Encoder } from "./structured-encoder.js";

const shared = new Encoder();
const sharedDecoder = new Decoder();

/**
 * The default codec of every sabkit queue, pipe and shared container: what
 * structured clone (`postMessage`) round-trips, including cycles, shared
 * references, Map, Set, Date, RegExp, BigInt, typed arrays and -0.
 *
 * @example
 * ```ts
 * const bytes = structuredCodec.encode({ when: new Date(0), ids: new Set([1n, 2n]) });
 * structuredCodec.decode(bytes); // { when: Date(0), ids: Set { 1n, 2n } }
 * ```
 */
export const structuredCodec: Codec<unknown> = Object.freeze({
  name: "sabkit.structured",
  encode(value: unknown): Uint8Array {
    // A getter that itself encodes (re-entrancy) gets an encoder of its own.
    const encoder = shared.busy ? new Encoder() : shared;
    encoder.busy = true;
    try {
      return encoder.encode(value);
    } finally {
      encoder.busy = false;
    }
  },
  decode(bytes: Uint8Array): unknown {
    // Decoding runs no user code, so one decoder per thread is never re-entered.
    return sharedDecoder.decode(bytes, 0, bytes.length);
  },
  encodeInto(value: unknown, sink: { bytes: Uint8Array; position: number }): void {
    const encoder = shared.busy ? new Encoder() : shared;
    encoder.busy = true;
    try {
      encoder.encodeInto(value, sink);
    } finally {
      encoder.busy = false;
    }
  },
  decodeRange(bytes: Uint8Array, start: number, end: number): unknown {
    if (
      !(
        Number.isInteger(start) &&
        Number.isInteger(end) &&
        0 <= start &&
        start <= end &&
        end <= bytes.length
      )
    ) {
      throw new RangeError(
        `structuredCodec.decodeRange: [${start}, ${end}) is not a range inside the ${bytes.length} bytes given; pass 0 <= start <= end <= bytes.length`,
      );
    }
    return sharedDecoder.decode(bytes, start, end);
  },
});
