/**
 * Checking a codec a user passed, and finding the codec a primitive's handle
 * names: one piece of code for every primitive that stores messages
 * (queues, pipes, shared containers).
 */
import { InvalidHandleError } from "../errors.js";
import { describe } from "../options.js";
import { bytesCodec } from "./bytes.js";
import type { Codec } from "./codec.js";
import { jsonCodec } from "./json.js";
import { structuredCodec } from "./structured.js";

const BUILT_IN_CODECS: ReadonlyMap<string, Codec<unknown>> = new Map([
  [structuredCodec.name, structuredCodec],
  [jsonCodec.name, jsonCodec as Codec<unknown>],
  [bytesCodec.name, bytesCodec as Codec<unknown>],
]);

/** `codec` if it is a Codec (`{ name, encode, decode }`), else a TypeError naming `what`. */
export function checkCodec<T>(codec: unknown, what: string): Codec<T> {
  const c = codec as Codec<T> | null;
  if (
    c === null ||
    typeof c !== "object" ||
    typeof c.encode !== "function" ||
    typeof c.decode !== "function" ||
    typeof c.name !== "string" ||
    c.name === "" ||
    (c.encodeInto !== undefined && typeof c.encodeInto !== "function") ||
    (c.decodeRange !== undefined && typeof c.decodeRange !== "function")
  ) {
    throw new TypeError(
      `${what} must be a Codec { name, encode(value): Uint8Array, decode(bytes) } (encodeInto and decodeRange, if given, functions) ` +
        `(e.g. structuredCodec, jsonCodec or bytesCodec from @sabkit/core), got ${describe(codec)}`,
    );
  }
  return c;
}

/**
 * The codec named by a handle (`name`, read from shared memory or a message:
 * untrusted): the one the caller passed again (`given`, which must carry the
 * same name), or a built-in one. Anything else is an InvalidHandleError that
 * says how to revive the primitive (`reviveWith`, e.g.
 * `"Queue.from(handle, { codec })"`).
 */
export function resolveCodec<T>(
  name: unknown,
  given: unknown,
  what: string,
  reviveWith: string,
): Codec<T> {
  if (typeof name !== "string" || name === "") {
    throw new InvalidHandleError(`${what}: handle.codec must name a codec, got ${describe(name)}`);
  }
  if (given !== undefined) {
    const codec = checkCodec<T>(given, `${what} options.codec`);
    if (codec.name !== name) {
      throw new InvalidHandleError(
        `${what}: it was made with codec "${name}" but options.codec is "${codec.name}": pass the same codec`,
      );
    }
    return codec;
  }
  const builtIn = BUILT_IN_CODECS.get(name);
  if (builtIn === undefined) {
    throw new InvalidHandleError(
      `${what}: it uses the codec "${name}", which is not built in: revive it with ${reviveWith} passing that codec`,
    );
  }
  return builtIn as Codec<T>;
}
