/** Finding a container's codec by name (built-ins in every thread). */
import { bytesCodec, type Codec, jsonCodec, structuredCodec } from "@sabkit/core";
import { describe, InvalidHandleError } from "./core-internal.js";

const BUILT_IN = new Map<string, Codec<unknown>>([
  [structuredCodec.name, structuredCodec],
  [jsonCodec.name, jsonCodec as Codec<unknown>],
  [bytesCodec.name, bytesCodec as Codec<unknown>],
]);

export function checkCodec(codec: unknown, what: string): Codec<unknown> {
  if (codec === undefined) return structuredCodec;
  const c = codec as Codec<unknown> | null;
  if (
    c === null ||
    typeof c !== "object" ||
    typeof c.encode !== "function" ||
    typeof c.decode !== "function" ||
    typeof c.name !== "string" ||
    c.name === ""
  ) {
    throw new TypeError(
      `${what}: codec must be a Codec { name, encode, decode } (e.g. jsonCodec), got ${describe(codec)}`,
    );
  }
  return c;
}

export function resolveCodec(name: unknown, given: unknown, what: string): Codec<unknown> {
  if (given !== undefined) {
    const codec = checkCodec(given, what);
    if (codec.name !== name) {
      throw new InvalidHandleError(
        `${what}: the container uses codec ${describe(name)} but codec "${codec.name}" was passed`,
      );
    }
    return codec;
  }
  const codec = typeof name === "string" ? BUILT_IN.get(name) : undefined;
  if (codec === undefined) {
    throw new InvalidHandleError(
      `${what}: the container uses codec ${describe(name)}, which is not built in: pass it again with from(handle, { codec })`,
    );
  }
  return codec;
}
