/**
 * Element types of Value and SharedArray: sabkit names and Python's
 * `ctypes`/`array` type codes.
 *
 * | name        | Python codes | JS value | bytes | atomic add / compareExchange |
 * |-------------|--------------|----------|-------|------------------------------|
 * | `int8`      | `b`          | number   | 1     | yes                          |
 * | `uint8`     | `B`, `c`     | number   | 1     | yes                          |
 * | `int16`     | `h`          | number   | 2     | yes                          |
 * | `uint16`    | `H`          | number   | 2     | yes                          |
 * | `int32`     | `i`, `l`     | number   | 4     | yes                          |
 * | `uint32`    | `I`, `L`     | number   | 4     | yes                          |
 * | `bigint64`  | `q`          | bigint   | 8     | yes                          |
 * | `biguint64` | `Q`          | bigint   | 8     | yes                          |
 * | `float32`   | `f`          | number   | 4     | no (use getLock())           |
 * | `float64`   | `d`          | number   | 8     | no (use getLock())           |
 *
 * `l`/`L` map to 32-bit integers (JS numbers), as C `long` on Windows and on
 * 32-bit platforms: use `q`/`Q` for 64-bit integers (bigints).
 */
import { describe } from "@sabkit/core/internal";

export type ElementType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "bigint64"
  | "biguint64"
  | "float32"
  | "float64";

/** Python's type codes accepted as aliases. */
export type TypeCode = "b" | "B" | "c" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";

/** The JS value of an element type: bigint for 64-bit integers, number otherwise. */
export type ValueOf<T extends ElementType | TypeCode> = T extends
  | "bigint64"
  | "biguint64"
  | "q"
  | "Q"
  ? bigint
  : number;

export interface TypedArrayOf {
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  bigint64: BigInt64Array;
  biguint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
}

export type Canonical<T extends ElementType | TypeCode> = T extends ElementType
  ? T
  : T extends "b"
    ? "int8"
    : T extends "B" | "c"
      ? "uint8"
      : T extends "h"
        ? "int16"
        : T extends "H"
          ? "uint16"
          : T extends "i" | "l"
            ? "int32"
            : T extends "I" | "L"
              ? "uint32"
              : T extends "q"
                ? "bigint64"
                : T extends "Q"
                  ? "biguint64"
                  : T extends "f"
                    ? "float32"
                    : "float64";

export type ArrayOf<T extends ElementType | TypeCode> = TypedArrayOf[Canonical<T>];

type Ctor = new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

export interface TypeInfo {
  readonly name: ElementType;
  readonly ctor: Ctor;
  readonly bytes: number;
  readonly bigint: boolean;
  readonly atomic: boolean;
}

const INFO: Record<ElementType, TypeInfo> = {
  int8: { name: "int8", ctor: Int8Array, bytes: 1, bigint: false, atomic: true },
  uint8: { name: "uint8", ctor: Uint8Array, bytes: 1, bigint: false, atomic: true },
  int16: { name: "int16", ctor: Int16Array, bytes: 2, bigint: false, atomic: true },
  uint16: { name: "uint16", ctor: Uint16Array, bytes: 2, bigint: false, atomic: true },
  int32: { name: "int32", ctor: Int32Array, bytes: 4, bigint: false, atomic: true },
  uint32: { name: "uint32", ctor: Uint32Array, bytes: 4, bigint: false, atomic: true },
  bigint64: { name: "bigint64", ctor: BigInt64Array, bytes: 8, bigint: true, atomic: true },
  biguint64: { name: "biguint64", ctor: BigUint64Array, bytes: 8, bigint: true, atomic: true },
  float32: { name: "float32", ctor: Float32Array, bytes: 4, bigint: false, atomic: false },
  float64: { name: "float64", ctor: Float64Array, bytes: 8, bigint: false, atomic: false },
};

const CODES: Record<TypeCode, ElementType> = {
  b: "int8",
  B: "uint8",
  c: "uint8",
  h: "int16",
  H: "uint16",
  i: "int32",
  l: "int32",
  I: "uint32",
  L: "uint32",
  q: "bigint64",
  Q: "biguint64",
  f: "float32",
  d: "float64",
};

/** The type info of a name or code; TypeError naming the accepted ones otherwise. */
export function typeInfo(type: unknown, what: string): TypeInfo {
  if (typeof type === "string") {
    if (Object.hasOwn(INFO, type)) return INFO[type as ElementType];
    if (Object.hasOwn(CODES, type)) return INFO[CODES[type as TypeCode]];
  }
  throw new TypeError(
    `${what}: type must be one of ${Object.keys(INFO).join(", ")} or a Python type code (${Object.keys(CODES).join(" ")}), got ${describe(type)}`,
  );
}

/** Checks that `value` is a number (or a bigint for 64-bit types). */
export function checkElement(info: TypeInfo, value: unknown, what: string): void {
  if (info.bigint ? typeof value !== "bigint" : typeof value !== "number") {
    throw new TypeError(
      `${what}: a ${info.name} holds ${info.bigint ? "bigints (e.g. 1n)" : "numbers"}, got ${describe(value)}`,
    );
  }
}
