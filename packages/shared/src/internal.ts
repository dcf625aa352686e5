/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/shared/internal: layouts and the record store, for tests and
 * sibling packages. Not covered by semver.
 *
 * @packageDocumentation
 */
export { STUCK_LOCK_MS } from "./common.js";
export * from "./index.js";
export { DICT_KIND, DictBase, NAMESPACE_KIND } from "./shared-dict.js";
export { LIST_KIND } from "./shared-list.js";
export { SHM_KIND } from "./shared-memory.js";
export {
  BROKEN,
  COUNT,
  GARBAGE,
  HEADER_BYTES,
  REBUILDING,
  SLOTS,
  Store,
  TOP,
  USED,
  VERSION,
} from "./store.js";
export { VALUE_KIND, VALUE_LAYOUT } from "./value.js";
