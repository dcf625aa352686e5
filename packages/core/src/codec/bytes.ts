/**
 * `bytesCodec`: raw bytes. `encode` takes a `Uint8Array` as it is (no copy:
 * the caller copies it into shared memory); `decode` returns a fresh copy.
 */
import type { Codec } from "./codec.js";

/**
 * Raw bytes in, a copy out: the cheapest way through a queue for data that is
 * already bytes.
 *
 * @example
 * ```ts
 * const queue = new Queue<Uint8Array>({ codec: bytesCodec });
 * queue.put(new Uint8Array([1, 2, 3]));
 * ```
 */
export const bytesCodec: Codec<Uint8Array> = Object.freeze({
  name: "sabkit.bytes",
  encode(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(
        "bytesCodec.encode: expected a Uint8Array; wrap other views as new Uint8Array(view.buffer, view.byteOffset, view.byteLength)",
      );
    }
    return value;
  },
  decode(bytes: Uint8Array): Uint8Array {
    return bytes.slice();
  },
});
