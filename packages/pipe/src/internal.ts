/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/pipe/internal: layout constants of the pipe header, for tests and
 * sibling packages. Not covered by semver.
 *
 * @packageDocumentation
 */

export { FRAME_HEADER_BYTES, MAX_MESSAGE_BYTES } from "./frame.js";
export {
  CLOSED_ENDS,
  DEFAULT_PIPE_CAPACITY,
  DUPLEX,
  MAX_PIPE_CAPACITY,
  PIPE_CAPACITY,
  PIPE_HEADER,
} from "./pipe-header.js";
