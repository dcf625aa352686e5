/**
 * `@sabkit/test-utils/explorer`: an interleaving explorer for shared-memory
 * code ("loom for JavaScript"). Runs a model's real code as logical threads
 * in one JS thread, switching at every `Atomics` call and every plain access
 * of tracked shared memory, with a faithful `Atomics.wait`/`notify`.
 *
 * @packageDocumentation
 */
export {
  awaitAsyncWait,
  LOGICAL_IDENTITY_BASE,
  logicalIdentity,
  logicalThread,
  pause,
  SUSPEND,
  type ThreadBody,
  type ThreadContext,
  VIRTUAL_EPOCH_MS,
} from "./engine.js";
export {
  ExplorationFailure,
  ExplorerUsageError,
  type FailureKind,
  type TraceStep,
} from "./errors.js";
export {
  DEFAULT_MODEL_SCHEDULES,
  DEFAULT_PCT_SCHEDULES,
  type ExploreAllOptions,
  type ExploreMode,
  type ExploreOptions,
  type ExploreReport,
  explore,
  exploreAllModes,
  type Model,
  modelSchedules,
  replay,
  type SetupContext,
  verify,
} from "./explore.js";
export { installViewConstructorsForGood } from "./memory.js";
export { decodeSchedule, encodeSchedule } from "./strategies.js";
