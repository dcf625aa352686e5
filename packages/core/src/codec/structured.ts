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
import type { Codec } from "./codec.js";

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT32 = 4;
const T_FLOAT64 = 5;
const T_ASCII = 6;
const T_UTF8 = 7;
const T_BIGINT = 8;
const T_ARRAY = 9;
const T_HOLE = 10;
const T_OBJECT = 11;
const T_DATE = 12;
const T_REGEXP = 13;
const T_MAP = 14;
const T_SET = 15;
const T_ARRAY_BUFFER = 16;
const T_VIEW = 17;
const T_ERROR = 18;
const T_REF = 19;
const T_BOXED = 20;
const T_UTF16 = 21;

// Typed-array constructors by type byte (TYPED_ARRAY_TYPES; 12 = DataView).
const VIEW_TYPES = TYPED_ARRAY_TYPES;
const T_VIEW_DATAVIEW = 12;

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

const FEW_OBJECTS = 16;
/** Short ASCII strings (keys, enum-like values) are decoded through a cache: the same string object each time. */
const STRING_CACHE_SIZE = 1024;
const SHORT_STRING = 24;
/** How many keys of a message the decoder predicts from the previous message. */
const PREDICTED_KEYS = 64;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** `String.prototype.isWellFormed` where present (Node 20, current browsers), else a scan. */
function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === "function") return native.call(text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return false;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

function notCloneable(what: string): TypeError {
  return new TypeError(
    `structuredCodec.encode: ${what} cannot be sent to another worker (structured clone refuses it too); ` +
      "send plain data instead",
  );
}

/** One encoding pass; reused between calls (its buffer grows as needed). */
class Encoder {
  bytes: Uint8Array = new Uint8Array(4096);
  position = 0;
  /** Objects met so far: the first FEW_OBJECTS in an array (a scan beats a Map for small messages), the rest in a Map. */
  readonly few: (object | undefined)[] = new Array(FEW_OBJECTS).fill(undefined);
  many: Map<object, number> | undefined;
  objectCount = 0;
  busy = false;

  encode(value: unknown): Uint8Array {
    this.position = 0;
    this.run(value);
    // After an unusually large message, do not keep its buffer forever.
    const result = this.bytes.subarray(0, this.position);
    if (this.bytes.length > 1 << 20 && this.position < 1 << 16) {
      const small = new Uint8Array(4096);
      small.set(result);
      this.bytes = small;
      return small.subarray(0, this.position);
    }
    return result;
  }

  /** Appends to the caller's buffer instead of ours (Codec.encodeInto). */
  encodeInto(value: unknown, sink: { bytes: Uint8Array; position: number }): void {
    const own = this.bytes;
    this.bytes = sink.bytes;
    this.position = sink.position;
    try {
      this.run(value);
      sink.position = this.position;
    } finally {
      // Grown or not, sink.bytes holds everything before sink.position.
      sink.bytes = this.bytes;
      this.bytes = own;
    }
  }

  run(value: unknown): void {
    try {
      this.value(value);
    } finally {
      // Do not keep the caller's objects alive.
      const known = Math.min(this.objectCount, FEW_OBJECTS);
      for (let i = 0; i < known; i++) this.few[i] = undefined;
      this.many?.clear();
      this.objectCount = 0;
    }
  }

  ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.position));
    this.bytes = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.position++] = b;
  }

  varint(n: number): void {
    this.ensure(5);
    const bytes = this.bytes;
    let p = this.position;
    while (n >= 0x80) {
      bytes[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    bytes[p++] = n;
    this.position = p;
  }

  float64(n: number): void {
    this.ensure(8);
    f64[0] = n;
    const bytes = this.bytes;
    const p = this.position;
    for (let i = 0; i < 8; i++) bytes[p + i] = f64Bytes[i] as number;
    this.position = p + 8;
  }

  raw(source: Uint8Array): void {
    this.varint(source.length);
    this.ensure(source.length);
    this.bytes.set(source, this.position);
    this.position += source.length;
  }

  value(value: unknown): void {
    switch (typeof value) {
      case "number":
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.ensure(5);
          const bytes = this.bytes;
          const p = this.position;
          bytes[p] = T_INT32;
          bytes[p + 1] = value;
          bytes[p + 2] = value >> 8;
          bytes[p + 3] = value >> 16;
          bytes[p + 4] = value >> 24;
          this.position = p + 5;
        } else {
          this.byte(T_FLOAT64);
          this.float64(value);
        }
        return;
      case "string":
        this.string(value);
        return;
      case "boolean":
        this.byte(value ? T_TRUE : T_FALSE);
        return;
      case "undefined":
        this.byte(T_UNDEFINED);
        return;
      case "bigint":
        this.bigint(value);
        return;
      case "object":
        if (value === null) this.byte(T_NULL);
        else this.object(value);
        return;
      case "function":
        throw notCloneable("a function");
      default:
        throw notCloneable("a symbol");
    }
  }

  string(text: string): void {
    const length = text.length;
    this.ensure(6 + length);
    const start = this.position;
    const bytes = this.bytes;
    bytes[start] = T_ASCII;
    let p: number;
    if (length < 0x80) {
      // A one-byte length (the ensure above made room for it).
      bytes[start + 1] = length;
      p = start + 2;
    } else {
      this.position = start + 1;
      this.varint(length);
      p = this.position;
    }
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: start over with UTF-8, or UTF-16 units when UTF-8 cannot
        // carry it exactly (lone surrogates, which structured clone keeps).
        this.position = start;
        if (isWellFormed(text)) {
          this.byte(T_UTF8);
          this.raw(textEncoder.encode(text));
        } else {
          this.byte(T_UTF16);
          this.varint(length);
          this.ensure(length * 2);
          const out = this.bytes;
          let q = this.position;
          for (let j = 0; j < length; j++) {
            const unit = text.charCodeAt(j);
            out[q++] = unit;
            out[q++] = unit >> 8;
          }
          this.position = q;
        }
        return;
      }
      bytes[p++] = c;
    }
    this.position = p;
  }

  bigint(value: bigint): void {
    const negative = value < 0n;
    let magnitude = negative ? -value : value;
    const digits: number[] = [];
    while (magnitude > 0n) {
      digits.push(Number(magnitude & 0xffn));
      magnitude >>= 8n;
    }
    this.byte(T_BIGINT);
    this.byte(negative ? 1 : 0);
    this.varint(digits.length);
    this.ensure(digits.length);
    for (const d of digits) this.bytes[this.position++] = d;
  }

  /** The number of `value` if it was met before, else -1 (and it is numbered now). */
  remember(value: object): number {
    const few = this.few;
    const known = Math.min(this.objectCount, FEW_OBJECTS);
    for (let i = 0; i < known; i++) if (few[i] === value) return i;
    if (this.objectCount < FEW_OBJECTS) few[this.objectCount] = value;
    else {
      this.many ??= new Map();
      const earlier = this.many.get(value);
      if (earlier !== undefined) return earlier;
      this.many.set(value, this.objectCount);
    }
    this.objectCount++;
    return -1;
  }

  object(value: object): void {
    const earlier = this.remember(value);
    if (earlier !== -1) {
      this.byte(T_REF);
      this.varint(earlier);
      return;
    }
    if (Array.isArray(value)) {
      const length = value.length;
      this.byte(T_ARRAY);
      this.varint(length);
      for (let i = 0; i < length; i++) {
        const item = value[i];
        if (item === undefined && !(i in value)) this.byte(T_HOLE);
        else this.value(item);
      }
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      if (proto === null || !objectPrototypeHasEnumerables()) this.ownKeysObject(value);
      else this.plainObject(value);
      return;
    }
    if (value instanceof Date) {
      this.byte(T_DATE);
      this.float64(value.getTime());
    } else if (value instanceof RegExp) {
      this.byte(T_REGEXP);
      this.string(value.source);
      this.string(value.flags);
    } else if (value instanceof Map) {
      this.byte(T_MAP);
      this.varint(value.size);
      for (const [k, v] of value) {
        this.value(k);
        this.value(v);
      }
    } else if (value instanceof Set) {
      this.byte(T_SET);
      this.varint(value.size);
      for (const v of value) this.value(v);
    } else if (ArrayBuffer.isView(value)) {
      this.view(value);
    } else if (value instanceof ArrayBuffer) {
      this.byte(T_ARRAY_BUFFER);
      this.raw(new Uint8Array(value));
    } else if (value instanceof Error) {
      this.error(value);
    } else if (
      value instanceof Number ||
      value instanceof String ||
      value instanceof Boolean ||
      value instanceof BigInt
    ) {
      this.byte(T_BOXED);
      this.value(value.valueOf());
    } else {
      const refused = refusedKind(value);
      if (refused !== undefined) throw notCloneable(refused);
      this.plainObject(value);
    }
  }

  /**
   * A plain object whose prototype chain has no enumerable properties, so
   * for-in yields exactly Object.keys' keys, in the same order (and skips a
   * key a getter deleted, as structured clone does). for-in is used because
   * V8 turns `value[key]` inside it into a field load instead of a keyed
   * lookup (measured: bench "codec candidates"). The key count is written
   * after the keys: one byte reserved, moved up in the rare case of >= 128.
   */
  ownKeysObject(value: object): void {
    this.ensure(2);
    const start = this.position;
    this.bytes[start] = T_OBJECT;
    this.position = start + 2;
    const record = value as Record<string, unknown>;
    let count = 0;
    for (const key in record) {
      this.string(key);
      this.value(record[key]);
      count++;
    }
    if (count < 0x80) {
      this.bytes[start + 1] = count;
      return;
    }
    let extra = 0;
    for (let n = count >>> 7; n > 0; n >>>= 7) extra++;
    this.ensure(extra);
    const bytes = this.bytes;
    bytes.copyWithin(start + 2 + extra, start + 2, this.position);
    const end = this.position + extra;
    this.position = start + 1;
    this.varint(count);
    this.position = end;
  }

  plainObject(value: object): void {
    const keys = Object.keys(value);
    this.byte(T_OBJECT);
    this.varint(keys.length);
    const record = value as Record<string, unknown>;
    for (const key of keys) {
      this.string(key);
      this.value(record[key]);
    }
  }

  view(value: ArrayBufferView): void {
    let type = T_VIEW_DATAVIEW;
    if (!(value instanceof DataView)) {
      type = (VIEW_TYPES as readonly unknown[]).indexOf(value.constructor);
      if (type < 1) throw notCloneable(`a ${value.constructor.name}`);
    }
    this.byte(T_VIEW);
    this.byte(type);
    this.raw(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }

  error(value: Error): void {
    this.byte(T_ERROR);
    this.string(String(value.name));
    this.string(String(value.message));
    this.value(typeof value.stack === "string" ? value.stack : undefined);
    if ("cause" in value) {
      this.byte(1);
      this.value(value.cause);
    } else this.byte(0);
  }
}

/** Whether something made an enumerable property on Object.prototype (for-in would yield it). */
function objectPrototypeHasEnumerables(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

function refusedKind(value: object): string | undefined {
  if (typeof WeakMap === "function" && value instanceof WeakMap) return "a WeakMap";
  if (typeof WeakSet === "function" && value instanceof WeakSet) return "a WeakSet";
  if (typeof WeakRef === "function" && value instanceof WeakRef) return "a WeakRef";
  if (value instanceof Promise) return "a Promise";
  if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) {
    return "a SharedArrayBuffer (it is shared, not copied: send it outside the queue, e.g. in a Process's args)";
  }
  return undefined;
}

/**
 * The engine's unique copy of `text` (a property key is stored internalized):
 * cached keys then cost no string-table lookup when they become properties,
 * and compare by pointer.
 */
function internalize(text: string): string {
  const holder: Record<string, true> = {};
  holder[text] = true;
  // Compared, not assumed: "__proto__" makes no own key, and for-in would then yield an inherited one.
  for (const key in holder) if (key === text) return key;
  return text;
}

function corrupted(detail: string): RangeError {
  return new RangeError(
    `structuredCodec.decode: the bytes are not a structuredCodec message (${detail}); ` +
      "were they written with another codec, or corrupted?",
  );
}

/** The 256 one-character strings of a byte, internalized (what tag 6 of one byte decodes to). */
const ONE_CHAR: readonly string[] = Array.from({ length: 256 }, (_, c) =>
  internalize(String.fromCharCode(c)),
);

/** One decoding pass over one message. */
class Decoder {
  position = 0;
  bytes: Uint8Array = new Uint8Array(0);
  /** Where the message ends in `bytes`: every bounds check is against it, never bytes.length. */
  end = 0;
  objects: unknown[] = [];
  objectCount = 0;
  readonly strings: (string | undefined)[] = new Array(STRING_CACHE_SIZE).fill(undefined);
  /** The bytes of strings[k] at k * 32 (SHORT_STRING <= 32). */
  readonly stringBytes = new Uint8Array(STRING_CACHE_SIZE * 32);
  /** Short keys met so far in this message; predicted[k]: the k-th key of the last message (bytes at k * 32). */
  keyCount = 0;
  readonly predicted: (string | undefined)[] = new Array(PREDICTED_KEYS).fill(undefined);
  readonly predictedBytes = new Uint8Array(PREDICTED_KEYS * 32);

  /** Decodes the message at bytes[start, end) (the caller checked the range). */
  decode(bytes: Uint8Array, start: number, end: number): unknown {
    this.bytes = bytes;
    this.position = start;
    this.end = end;
    this.keyCount = 0;
    try {
      const value = this.value();
      if (this.position !== end) throw corrupted(`${end - this.position} bytes left over`);
      return value;
    } finally {
      const objects = this.objects;
      for (let i = 0; i < this.objectCount; i++) objects[i] = undefined;
      this.objectCount = 0;
      // Do not keep a huge table after an unusually large message.
      if (objects.length > 4096) this.objects = [];
      this.bytes = EMPTY;
    }
  }

  /** A short ASCII string at [p, p + n), through the cache. */
  shortAscii(b: Uint8Array, p: number, n: number): string {
    if (n === 1) return ONE_CHAR[b[p] as number] as string;
    const end = p + n;
    let hash = n;
    for (let i = p; i < end; i++) hash = (hash * 31 + (b[i] as number)) | 0;
    const slot = hash & (STRING_CACHE_SIZE - 1);
    const cached = this.strings[slot];
    // The cached string's bytes sit at slot * 32 in `stringBytes`: comparing bytes beats charCodeAt.
    const saved = this.stringBytes;
    const at = slot << 5;
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && saved[at + i] === b[p + i]) i++;
      if (i === n) return cached;
    }
    let text = "";
    for (let i = p; i < end; i++) text += String.fromCharCode(b[i] as number);
    text = internalize(text);
    this.strings[slot] = text;
    saved.set(b.subarray(p, end), at);
    return text;
  }

  byte(): number {
    if (this.position >= this.end) throw corrupted("it ends early");
    return this.bytes[this.position++] as number;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    throw corrupted("a length is too long");
  }

  /** A length that must fit in what is left, `unit` bytes per element at least. */
  length(unit: number): number {
    const b = this.bytes;
    const p = this.position;
    let n = b[p] as number;
    // One-byte lengths (< 128) are the common case: skip the varint loop.
    if (p < this.end && n < 0x80) this.position = p + 1;
    else n = this.varint();
    if (n * unit > this.end - this.position) throw corrupted("a length passes the end");
    return n;
  }

  take(n: number): Uint8Array {
    const start = this.position;
    this.position += n;
    return this.bytes.subarray(start, this.position);
  }

  float64(): number {
    const b = this.bytes;
    const p = this.position;
    if (p + 8 > this.end) throw corrupted("it ends early");
    for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i] as number;
    this.position = p + 8;
    return f64[0] as number;
  }

  /** An object's key: a short ASCII string straight through the cache, else any string. */
  key(): string {
    const b = this.bytes;
    const p = this.position;
    const n = b[p + 1] as number;
    // Tag, one-byte length, then n bytes, all inside the message.
    if (b[p] === T_ASCII && n <= SHORT_STRING && p + 2 + n <= this.end) {
      this.position = p + 2 + n;
      // Messages of one shape repeat their keys in order: try the key seen at this ordinal last time.
      const k = this.keyCount++;
      if (k < PREDICTED_KEYS) {
        const predicted = this.predicted[k];
        if (predicted !== undefined && predicted.length === n) {
          const saved = this.predictedBytes;
          const at = k << 5;
          let i = 0;
          while (i < n && saved[at + i] === b[p + 2 + i]) i++;
          if (i === n) return predicted;
        }
        const text = this.shortAscii(b, p + 2, n);
        this.predicted[k] = text;
        this.predictedBytes.set(b.subarray(p + 2, p + 2 + n), k << 5);
        return text;
      }
      return this.shortAscii(b, p + 2, n);
    }
    return this.string();
  }

  string(): string {
    const value = this.value();
    if (typeof value !== "string") throw corrupted("a string was expected");
    return value;
  }

  value(): unknown {
    const tag = this.byte();
    switch (tag) {
      case T_INT32: {
        if (this.position + 4 > this.end) throw corrupted("it ends early");
        const b = this.bytes;
        const p = this.position;
        this.position = p + 4;
        return (
          (b[p] as number) |
          ((b[p + 1] as number) << 8) |
          ((b[p + 2] as number) << 16) |
          ((b[p + 3] as number) << 24)
        );
      }
      case T_ASCII: {
        const n = this.length(1);
        const b = this.bytes;
        const p = this.position;
        this.position = p + n;
        if (n <= SHORT_STRING) return this.shortAscii(b, p, n);
        if (n > 64) return textDecoder.decode(b.subarray(p, p + n));
        let text = "";
        for (let i = p; i < p + n; i++) text += String.fromCharCode(b[i] as number);
        return text;
      }
      case T_FLOAT64:
        return this.float64();
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UTF8:
        return textDecoder.decode(this.take(this.length(1)));
      case T_UTF16: {
        const units = this.take(this.length(2) * 2);
        let text = "";
        for (let i = 0; i < units.length; i += 2) {
          text += String.fromCharCode((units[i] as number) | ((units[i + 1] as number) << 8));
        }
        return text;
      }
      case T_BIGINT: {
        const negative = this.byte() === 1;
        const digits = this.take(this.length(1));
        let value = 0n;
        for (let i = digits.length - 1; i >= 0; i--)
          value = (value << 8n) | BigInt(digits[i] as number);
        return negative ? -value : value;
      }
      case T_ARRAY: {
        const length = this.length(1);
        const array: unknown[] = new Array(length);
        this.objects[this.objectCount++] = array;
        for (let i = 0; i < length; i++) {
          if (this.position < this.end && this.bytes[this.position] === T_HOLE) this.position++;
          else array[i] = this.value();
        }
        return array;
      }
      case T_OBJECT: {
        const count = this.length(2);
        const object: Record<string, unknown> = {};
        this.objects[this.objectCount++] = object;
        for (let i = 0; i < count; i++) {
          const key = this.key();
          const value = this.value();
          if (key === "__proto__") {
            Object.defineProperty(object, key, {
              value,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else object[key] = value;
        }
        return object;
      }
      case T_REF: {
        const index = this.varint();
        if (index >= this.objectCount) throw corrupted("a reference to an unknown object");
        return this.objects[index];
      }
      default:
        return this.rare(tag);
    }
  }

  rare(tag: number): unknown {
    switch (tag) {
      case T_DATE: {
        const date = new Date(this.float64());
        this.objects[this.objectCount++] = date;
        return date;
      }
      case T_REGEXP: {
        const index = this.objectCount++;
        const source = this.string();
        const flags = this.string();
        let regexp: RegExp;
        try {
          regexp = new RegExp(source, flags);
        } catch {
          throw corrupted("an invalid RegExp");
        }
        this.objects[index] = regexp;
        return regexp;
      }
      case T_MAP: {
        const size = this.length(2);
        const map = new Map<unknown, unknown>();
        this.objects[this.objectCount++] = map;
        for (let i = 0; i < size; i++) {
          const key = this.value();
          map.set(key, this.value());
        }
        return map;
      }
      case T_SET: {
        const size = this.length(1);
        const set = new Set<unknown>();
        this.objects[this.objectCount++] = set;
        for (let i = 0; i < size; i++) set.add(this.value());
        return set;
      }
      case T_ARRAY_BUFFER: {
        const buffer = this.take(this.length(1)).slice().buffer;
        this.objects[this.objectCount++] = buffer;
        return buffer;
      }
      case T_VIEW: {
        const type = this.byte();
        const buffer = this.take(this.length(1)).slice().buffer;
        let view: ArrayBufferView;
        if (type === T_VIEW_DATAVIEW) view = new DataView(buffer);
        else {
          const View = VIEW_TYPES[type];
          if (View === undefined || buffer.byteLength % View.BYTES_PER_ELEMENT !== 0) {
            throw corrupted("an unknown typed array");
          }
          view = new View(buffer);
        }
        this.objects[this.objectCount++] = view;
        return view;
      }
      case T_ERROR: {
        const index = this.objectCount++;
        const name = this.string();
        const message = this.string();
        const stack = this.value();
        const Type = Object.hasOwn(ERROR_TYPES, name)
          ? (ERROR_TYPES[name] as ErrorConstructor)
          : Error;
        const error = new Type(message);
        this.objects[index] = error;
        if (error.name !== name) {
          Object.defineProperty(error, "name", { value: name, writable: true, configurable: true });
        }
        Object.defineProperty(error, "stack", {
          value: typeof stack === "string" ? stack : undefined,
          writable: true,
          configurable: true,
        });
        if (this.byte() === 1) {
          Object.defineProperty(error, "cause", {
            value: this.value(),
            writable: true,
            configurable: true,
          });
        }
        return error;
      }
      case T_BOXED: {
        const index = this.objectCount++;
        const boxed = Object(this.value());
        this.objects[index] = boxed;
        return boxed;
      }
      default:
        throw corrupted(`unknown tag ${tag}`);
    }
  }
}

const EMPTY = new Uint8Array(0);
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
