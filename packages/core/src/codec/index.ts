/** Codecs: values <-> bytes for messages in shared memory. */
export { bytesCodec } from "./bytes.js";
export type { Codec } from "./codec.js";
export { jsonCodec } from "./json.js";
export { structuredCodec } from "./structured.js";
