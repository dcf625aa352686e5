/**
 * @sabkit/pool/internal: the worker slot layout and the worker loop, for tests.
 * Not covered by semver for end users.
 *
 * @packageDocumentation
 */
export * from "./index.js";
export { SEQ_RANGE } from "./pool.js";
export * from "./slot.js";
export {
  RESULT_ERROR,
  RESULT_OK,
  RESULT_SKIPPED,
  runPoolWorker,
  type WorkerConfig,
} from "./worker.js";
