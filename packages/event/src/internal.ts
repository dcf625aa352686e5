/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/event/internal: the raw layer (functions on an Int32Array) for
 * sibling packages and tests. Not covered by semver.
 *
 * @packageDocumentation
 */
export {
  clearFlag,
  EVENT_KIND,
  EVENT_LAYOUT,
  EventWait,
  SET_BIT,
  STATE,
  setFlag,
  TAG,
  WAITERS,
} from "./event.js";
export * from "./index.js";
