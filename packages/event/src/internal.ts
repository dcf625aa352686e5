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
  SET_BIT,
  STATE,
  setFlag,
  TAG,
  WAITERS,
} from "./event.js";
export * from "./index.js";
