/**
 * The encoder of `structuredCodec` (format: structured-format.ts): one pass
 * over a value, writing tags and payloads into a growing buffer or straight
 * into a caller's batch buffer.
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

const FEW_OBJECTS = 16;

const textEncoder = new TextEncoder();

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
export class Encoder {
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

  // Kept whole: the for-in walk and its value dispatch are the hot path for
  // plain objects, and V8 inlines better into one loop than across calls.
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
