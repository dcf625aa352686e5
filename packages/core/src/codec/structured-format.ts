/**
 * The bytes of `structuredCodec` (see structured.ts): the tag of every value
 * and what follows it. The encoder (structured-encoder.ts) and the decoder
 * (structured-decoder.ts) both read these names; a tag's number is the format,
 * so a change here is a change of every stored message.
 *
 *
 * Format (little-endian), one tag byte per value:
 *
 * | tag | value | payload |
 * |-----|-------|---------|
 * | 0 1 2 3 | undefined, null, false, true | — |
 * | 4 | int32 (not -0) | 4 bytes |
 * | 5 | other number | float64, 8 bytes |
 * | 6 | ASCII string | varint length, bytes |
 * | 7 | other string | varint UTF-8 byte length, bytes |
 * | 8 | bigint | sign byte, varint byte count, magnitude |
 * | 9 | array | varint length, elements (10 = hole) |
 * | 11 | object | varint key count, (key string, value)… |
 * | 12 | Date | float64 |
 * | 13 | RegExp | source string, flags string |
 * | 14 15 | Map, Set | varint size, keys/values |
 * | 16 | ArrayBuffer | varint length, bytes |
 * | 17 | typed array / DataView | type byte, varint length, bytes |
 * | 18 | Error | name, message, stack (or undefined), cause flag, cause |
 * | 19 | reference to an earlier object | varint index |
 * | 20 | boxed primitive | the primitive |
 * | 21 | string with lone surrogates | varint length, UTF-16 code units |
 *
 * Speed (small messages are the common case; measured in packages/queue/bench):
 * `encodeInto` writes straight into a caller's batch buffer and
 * `decodeRange` reads straight from it (no view per message); plain objects
 * are walked with for-in (V8 loads the values as fields); the decoder
 * returns cached, internalized strings for short ASCII keys and values,
 * first trying the key seen at the same position in the previous message.
 *
 * Every object (anything with tag >= 9 except 10 and 19) is numbered in the
 * order it is first met; tag 19 refers back to it. Decoding checks every
 * length against the bytes left, so corrupted input is a RangeError, never a
 * huge allocation or an endless loop.
 */
import { TYPED_ARRAY_TYPES } from "../typed-arrays.js";

export const T_UNDEFINED = 0;
export const T_NULL = 1;
export const T_FALSE = 2;
export const T_TRUE = 3;
export const T_INT32 = 4;
export const T_FLOAT64 = 5;
export const T_ASCII = 6;
export const T_UTF8 = 7;
export const T_BIGINT = 8;
export const T_ARRAY = 9;
export const T_HOLE = 10;
export const T_OBJECT = 11;
export const T_DATE = 12;
export const T_REGEXP = 13;
export const T_MAP = 14;
export const T_SET = 15;
export const T_ARRAY_BUFFER = 16;
export const T_VIEW = 17;
export const T_ERROR = 18;
export const T_REF = 19;
export const T_BOXED = 20;
export const T_UTF16 = 21;

// Typed-array constructors by type byte (TYPED_ARRAY_TYPES; 12 = DataView).
export const VIEW_TYPES = TYPED_ARRAY_TYPES;
export const T_VIEW_DATAVIEW = 12;

/** An 8-byte scratch for float64 <-> bytes (one per thread; neither side re-enters it). */
export const f64 = new Float64Array(1);
export const f64Bytes = new Uint8Array(f64.buffer);
