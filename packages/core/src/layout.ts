/**
 * Describing a primitive's shared memory: named fields -> byte offsets, the
 * byte length, the alignment; allocating it; attaching to `(buffer,
 * byteOffset)` with range and alignment checks.
 *
 * Field types and their natural alignment:
 *
 * | type       | element size | alignment | typical use                           |
 * |------------|--------------|-----------|---------------------------------------|
 * | `int32`    | 4            | 4         | state words, indices (Atomics.wait)   |
 * | `bigint64` | 8            | 8         | 64-bit counters (Atomics on BigInt64) |
 * | `float64`  | 8            | 8         | payloads (not atomic: guard them)     |
 * | `bytes`    | 1            | `align`   | data regions, rings                   |
 *
 * Fields are laid out in declaration order, each at the next offset aligned
 * to its alignment. `cacheLine: true` puts a field on its own 64-byte cache
 * line(s) — use it for words different threads hammer (a producer's write
 * index and a consumer's read index) so they do not false-share. Offsets are
 * relative to the region start; a region attached at a 64-aligned byteOffset
 * (as {@link allocate} gives) makes them absolute cache lines.
 *
 * Invariants (tested with generated layouts): fields never overlap; every
 * field's offset is a multiple of its alignment; `byteLength` covers every
 * field and is a multiple of `alignment`; a `cacheLine` field shares no
 * 64-byte line with another field.
 */
import { InvalidHandleError } from "./errors.js";
import { describe, MAX_COUNT } from "./options.js";

/** Size of a cache line on every platform sabkit targets. */
export const CACHE_LINE_BYTES = 64;

/** The scalar field types. */
export type ScalarType = "int32" | "bigint64" | "float64";

/** How one field is declared: a type name, or a description. */
export type FieldSpec =
  | ScalarType
  | { type: ScalarType; length?: number; cacheLine?: boolean }
  | { type: "bytes"; byteLength: number; align?: number; cacheLine?: boolean };

/** One laid-out field. */
export interface Field {
  readonly type: ScalarType | "bytes";
  /** Offset in bytes from the region start. */
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly align: number;
  /**
   * Index of the first element in a typed array of this field's type that
   * starts at the region start (`byteOffset / elementSize`): the index to use
   * with `Atomics.*(i32, field.index)` for `int32` fields.
   */
  readonly index: number;
  /** Number of elements (`int32`/`bigint64`/`float64`) or bytes (`bytes`). */
  readonly length: number;
}

/** A laid-out set of fields. */
export interface Layout<K extends string = string> {
  readonly fields: { readonly [P in K]: Field };
  /** Bytes the region needs (a multiple of `alignment`). */
  readonly byteLength: number;
  /** Alignment the region's byteOffset needs: 4 or 8 (or a larger `bytes` align). */
  readonly alignment: number;
}

const SCALARS: Record<ScalarType, number> = { int32: 4, bigint64: 8, float64: 8 };

/**
 * Lays out fields in declaration order.
 *
 * @throws RangeError for a bad length, byteLength or alignment.
 * @example
 * ```ts
 * const QUEUE = defineLayout({
 *   tag: "int32",
 *   state: "int32",
 *   writeIndex: { type: "int32", cacheLine: true },
 *   readIndex: { type: "int32", cacheLine: true },
 *   data: { type: "bytes", byteLength: 1024, align: 8 },
 * });
 * QUEUE.fields.readIndex.index; // 32: Atomics.load(i32, QUEUE.fields.readIndex.index)
 * QUEUE.byteLength;             // 1216
 * ```
 */
export function defineLayout<const S extends Record<string, FieldSpec>>(
  spec: S,
): Layout<keyof S & string> {
  let offset = 0;
  let alignment = 4;
  let padAfterPrevious = false;
  const fields: Record<string, Field> = {};
  for (const [name, raw] of Object.entries(spec)) {
    const fieldSpec = typeof raw === "string" ? { type: raw } : raw;
    let align: number;
    let byteLength: number;
    let length: number;
    if (fieldSpec.type === "bytes") {
      const bytes = fieldSpec as { byteLength: unknown; align?: unknown };
      length = byteLength = checkLayoutNumber(bytes.byteLength, `${name}.byteLength`, 0);
      align = bytes.align === undefined ? 1 : checkAlignment(bytes.align, `${name}.align`);
    } else if (fieldSpec.type in SCALARS) {
      const scalar = fieldSpec as { type: ScalarType; length?: unknown };
      align = SCALARS[scalar.type];
      length =
        scalar.length === undefined ? 1 : checkLayoutNumber(scalar.length, `${name}.length`, 1);
      byteLength = length * align;
    } else {
      throw new RangeError(
        `defineLayout: field ${name} has type ${describe(fieldSpec.type)}; use "int32", "bigint64", "float64" or "bytes"`,
      );
    }
    const cacheLine = fieldSpec.cacheLine === true;
    if (cacheLine || padAfterPrevious) offset = alignUp(offset, CACHE_LINE_BYTES);
    offset = alignUp(offset, align);
    const elementSize = fieldSpec.type === "bytes" ? 1 : align;
    fields[name] = Object.freeze({
      type: fieldSpec.type,
      byteOffset: offset,
      byteLength,
      align,
      index: offset / elementSize,
      length,
    });
    offset += byteLength;
    if (offset > MAX_COUNT) {
      throw new RangeError(`defineLayout: the layout passes 2^31 - 1 bytes at field ${name}`);
    }
    alignment = Math.max(alignment, align);
    padAfterPrevious = cacheLine;
  }
  if (padAfterPrevious) offset = alignUp(offset, CACHE_LINE_BYTES);
  return Object.freeze({
    fields: Object.freeze(fields) as { readonly [P in keyof S & string]: Field },
    byteLength: alignUp(offset, alignment),
    alignment,
  });
}

/**
 * A new zero-filled SharedArrayBuffer of `layout.byteLength` bytes (or of
 * `byteLength` bytes when given a number).
 *
 * @example
 * ```ts
 * const buffer = allocate(LOCK_LAYOUT);
 * ```
 */
export function allocate(layout: Layout | number): SharedArrayBuffer {
  const byteLength = typeof layout === "number" ? layout : layout.byteLength;
  if (typeof SharedArrayBuffer !== "function") {
    throw new TypeError(
      "SharedArrayBuffer is not available: in a browser, serve the page cross-origin isolated " +
        "(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)",
    );
  }
  return new SharedArrayBuffer(checkLayoutNumber(byteLength, "byteLength", 0, "allocate"));
}

/** A checked region of a SharedArrayBuffer. */
export interface Region {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  /** An Int32Array over exactly the region (index 0 = the region's first word). */
  readonly i32: Int32Array;
}

/**
 * Attaches to the region of `buffer` at `byteOffset` that `layout` describes,
 * after {@link checkRegion}.
 *
 * @throws InvalidHandleError naming the field and what was expected.
 * @example
 * ```ts
 * const { i32 } = attach(LOCK_LAYOUT, buffer, 64);
 * Atomics.load(i32, LOCK_LAYOUT.fields.state.index);
 * ```
 */
export function attach(
  layout: Layout,
  buffer: unknown,
  byteOffset: unknown = 0,
  byteLength: unknown = layout.byteLength,
  what = "attach",
): Region {
  checkRegion(buffer, byteOffset, byteLength, {
    alignment: layout.alignment,
    minByteLength: layout.byteLength,
    what,
  });
  const sab = buffer as SharedArrayBuffer;
  const offset = byteOffset as number;
  const length = byteLength as number;
  return {
    buffer: sab,
    byteOffset: offset,
    byteLength: length,
    i32: new Int32Array(sab, offset, Math.floor(length / 4)),
  };
}

/** Options of {@link checkRegion}. */
export interface RegionRequirements {
  /** Alignment of `byteOffset` (4, 8, …; default 4). */
  alignment?: number;
  /** Smallest allowed byteLength (default 4). */
  minByteLength?: number;
  /** Who is checking, for messages (e.g. `"Lock.from(handle)"`). */
  what?: string;
  /** Prefix of the field names in messages (e.g. `"handle."`). */
  fieldPrefix?: string;
}

/**
 * The one check of "a region of shared memory": `buffer` is a
 * SharedArrayBuffer (not an ArrayBuffer, typed array or DataView);
 * `byteOffset` is an integer >= 0 and a multiple of `alignment`; `byteLength`
 * is an integer >= `minByteLength`; and the region ends inside the buffer.
 * Used by {@link attach} and by handle validation.
 *
 * @throws InvalidHandleError naming the field, what it held and what was expected.
 */
export function checkRegion(
  buffer: unknown,
  byteOffset: unknown,
  byteLength: unknown,
  requirements: RegionRequirements = {},
): asserts buffer is SharedArrayBuffer {
  const alignment = requirements.alignment ?? 4;
  const minByteLength = requirements.minByteLength ?? 4;
  const what = requirements.what ?? "region";
  const p = requirements.fieldPrefix ?? "";
  if (!isSharedArrayBuffer(buffer)) {
    throw new InvalidHandleError(
      `${what}: ${p}buffer must be a SharedArrayBuffer, ${bufferHint(buffer)}`,
    );
  }
  if (typeof byteOffset !== "number" || !Number.isSafeInteger(byteOffset) || byteOffset < 0) {
    throw new InvalidHandleError(
      `${what}: ${p}byteOffset must be an integer >= 0, got ${describe(byteOffset)}`,
    );
  }
  if (byteOffset % alignment !== 0) {
    throw new InvalidHandleError(
      `${what}: ${p}byteOffset must be a multiple of ${alignment} (the layout's alignment), got ${byteOffset}; ` +
        `place the region at an offset that is a multiple of ${alignment}`,
    );
  }
  if (typeof byteLength !== "number" || !Number.isSafeInteger(byteLength) || byteLength < 0) {
    throw new InvalidHandleError(
      `${what}: ${p}byteLength must be an integer >= 0, got ${describe(byteLength)}`,
    );
  }
  if (byteLength < minByteLength) {
    throw new InvalidHandleError(
      `${what}: ${p}byteLength is ${byteLength} but the layout needs at least ${minByteLength} bytes; ` +
        "the region is too small (a handle of another size or version?)",
    );
  }
  if (byteOffset + byteLength > buffer.byteLength) {
    throw new InvalidHandleError(
      `${what}: ${p}byteOffset + ${p}byteLength = ${byteOffset} + ${byteLength} = ${byteOffset + byteLength} ` +
        `is past the end of the ${buffer.byteLength}-byte buffer`,
    );
  }
}

/** `true` for a SharedArrayBuffer of this realm or another (e.g. a vm context). */
export function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) return true;
  return (
    value !== null &&
    typeof value === "object" &&
    Object.prototype.toString.call(value) === "[object SharedArrayBuffer]"
  );
}

function bufferHint(value: unknown): string {
  if (value instanceof ArrayBuffer) {
    return "got a plain ArrayBuffer (not shared between threads): allocate a SharedArrayBuffer instead";
  }
  if (ArrayBuffer.isView(value)) {
    const name = value instanceof DataView ? "DataView" : value.constructor.name;
    return `got a ${name}: pass its .buffer and its byteOffset instead`;
  }
  return `got ${describe(value)}`;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function checkLayoutNumber(
  value: unknown,
  name: string,
  min: number,
  who = "defineLayout",
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_COUNT) {
    throw new RangeError(
      `${who}: ${name} must be an integer from ${min} to ${MAX_COUNT}, got ${describe(value)}`,
    );
  }
  return value;
}

function checkAlignment(value: unknown, name: string): number {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > 4096 ||
    (value & (value - 1)) !== 0
  ) {
    throw new RangeError(
      `defineLayout: ${name} must be a power of two from 1 to 4096, got ${describe(value)}`,
    );
  }
  return value;
}
