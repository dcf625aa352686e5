/**
 * `jsonCodec`: `JSON.stringify` / `JSON.parse` over UTF-8. For values that
 * are JSON already, and for peers in other languages that read the bytes.
 */
import type { Codec } from "./codec.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON text in UTF-8. `undefined` (which JSON cannot represent at the top
 * level) is a TypeError, as are cycles and BigInts (JSON.stringify's errors).
 *
 * @example
 * ```ts
 * const queue = new Queue<{ id: number }>({ codec: jsonCodec });
 * ```
 */
export const jsonCodec: Codec<unknown> = Object.freeze({
  name: "sabkit.json",
  encode(value: unknown): Uint8Array {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError(
        "jsonCodec.encode: this value has no JSON form (undefined, a function or a symbol); use structuredCodec",
      );
    }
    return encoder.encode(text);
  },
  decode(bytes: Uint8Array): unknown {
    return JSON.parse(decoder.decode(bytes));
  },
});
