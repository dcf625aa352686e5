/** The containers' codec: the default when none is given, otherwise core's checks. */
import { type Codec, structuredCodec } from "@sabkit/core";
import {
  checkCodec as checkGivenCodec,
  resolveCodec as resolveNamedCodec,
} from "@sabkit/core/internal";

/** The codec for a new container: `structuredCodec` unless the options name one. */
export function checkCodec(codec: unknown, what: string): Codec<unknown> {
  return codec === undefined ? structuredCodec : checkGivenCodec(codec, `${what}: codec`);
}

/** The codec a revived container's handle names (`what` is e.g. "SharedList.from(handle)"). */
export function resolveCodec(name: unknown, given: unknown, what: string): Codec<unknown> {
  return resolveNamedCodec(name, given, what, "from(handle, { codec })");
}
