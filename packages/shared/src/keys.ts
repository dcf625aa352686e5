/**
 * Dict keys as bytes: a string is [1, its UTF-16 code units little-endian]
 * (exact for every string, lone surrogates included), a number is [2, its
 * float64 bytes] (-0 stored as 0, so keys compare as Map's SameValueZero).
 * `1` and `"1"` are different keys, as in a Map.
 */
import { describe } from "./core-internal.js";

export type DictKey = string | number;

let keyBytes = new Uint8Array(256);
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** The encoded key (in a reused buffer) is `keyBuffer()[0 … length)`. */
export function keyBuffer(): Uint8Array {
  return keyBytes;
}

/** Encodes `key`; returns [length, hash]. */
export function encodeKey(key: unknown, what: string): [number, number] {
  let hash = 0x811c9dc5;
  if (typeof key === "string") {
    const length = 1 + key.length * 2;
    if (length > 2 ** 30)
      throw new RangeError(`${what}: key is too long (${key.length} characters)`);
    if (keyBytes.length < length) keyBytes = new Uint8Array(Math.max(length, keyBytes.length * 2));
    const bytes = keyBytes;
    bytes[0] = 1;
    for (let i = 0, j = 1; i < key.length; i++, j += 2) {
      const unit = key.charCodeAt(i);
      bytes[j] = unit & 0xff;
      bytes[j + 1] = unit >>> 8;
      hash = Math.imul(hash ^ unit, 0x01000193);
    }
    return [length, hash ^ (hash >>> 15)];
  }
  if (typeof key === "number") {
    f64[0] = key === 0 ? 0 : Number.isNaN(key) ? Number.NaN : key;
    keyBytes[0] = 2;
    for (let i = 0; i < 8; i++) {
      const byte = f64Bytes[i] as number;
      keyBytes[1 + i] = byte;
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    return [9, Math.imul(hash ^ 2, 0x01000193) ^ (hash >>> 15)];
  }
  throw new TypeError(
    `${what}: keys must be strings or numbers, got ${describe(key)}; convert it (e.g. String(key)) first`,
  );
}

/** Decodes a key from `bytes[start … start + length)`. */
export function decodeKey(bytes: Uint8Array, start: number, length: number): DictKey {
  if (bytes[start] === 2 && length === 9) {
    for (let i = 0; i < 8; i++) f64Bytes[i] = bytes[start + 1 + i] as number;
    return f64[0] as number;
  }
  const units: number[] = [];
  let text = "";
  for (let j = start + 1; j + 1 < start + length; j += 2) {
    units.push((bytes[j] as number) | ((bytes[j + 1] as number) << 8));
    if (units.length === 4096) {
      text += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return text + String.fromCharCode(...units);
}
