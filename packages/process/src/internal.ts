/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/process/internal: the exit record and the platform layer, for
 * @sabkit/pool and tests. Not covered by semver for end users.
 *
 * @packageDocumentation
 */

export { packageImporter } from "./child.js";
export { containsHandleRecord, findUncloneable } from "./clone-path.js";
export { CURRENT_KEY, type CurrentRecord } from "./current.js";
export {
  createExitRecord,
  EXIT,
  EXIT_RECORD_BYTES,
  EXIT_RECORD_KIND,
  EXIT_RECORD_LAYOUT,
  KILLED,
  RUNNING,
  readExit,
  recordExit,
  TAG,
  TERMINATED,
  toExitCode,
} from "./exit-record.js";
export * from "./index.js";
export { importWorkerModule, isTypeScript, refuseWhileImporting } from "./loader.js";
export { SOURCE_MODE } from "./platform.js";
export { CHILDREN_KEY } from "./process.js";
