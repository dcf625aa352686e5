/**
 * The decoder of `structuredCodec` (format: structured-format.ts): one pass
 * over one message, every length checked against the bytes left, short
 * ASCII strings through an internalized cache.
 */
import {
  f64,
  f64Bytes,
  T_ARRAY,
  T_ARRAY_BUFFER,
  T_ASCII,
  T_BIGINT,
  T_BOXED,
  T_DATE,
  T_ERROR,
  T_FALSE,
  T_FLOAT64,
  T_HOLE,
  T_INT32,
  T_MAP,
  T_NULL,
  T_OBJECT,
  T_REF,
  T_REGEXP,
  T_SET,
  T_TRUE,
  T_UNDEFINED,
  T_UTF8,
  T_UTF16,
  T_VIEW,
  T_VIEW_DATAVIEW,
  VIEW_TYPES,
} from "./structured-format.js";

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** Short ASCII strings (keys, enum-like values) are decoded through a cache: the same string object each time. */
const STRING_CACHE_SIZE = 1024;
const SHORT_STRING = 24;
/** How many keys of a message the decoder predicts from the previous message. */
const PREDICTED_KEYS = 64;

const textDecoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

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
export class Decoder {
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

  // One switch over the common tags, kept whole: V8 compiles it to one jump
  // table on the hot path (small objects); the rare tags are in rare().
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

  // The rest of the tag table, one case per tag: split, the table would no
  // longer read as the format (structured-format.ts).
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
