/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/core/internal: the raw layer for sibling packages (lock, queue,
 * process, pool, …) and tests. Not covered by semver for end users; the
 * public API is `@sabkit/core`.
 *
 * @packageDocumentation
 */

export { checkCodec, resolveCodec } from "./codec/resolve.js";
export { Deadline } from "./deadline.js";
export { reviveError, type SerializedError, serializeError } from "./errors.js";
export { defineKind, HandleKind, type KindSpec, kindTag } from "./handle.js";
export {
  allocate,
  attach,
  CACHE_LINE_BYTES,
  checkRegion,
  defineLayout,
  type Field,
  type FieldSpec,
  isSharedArrayBuffer,
  type Layout,
  type Region,
  type RegionRequirements,
  type ScalarType,
} from "./layout.js";
export {
  type CountBounds,
  describe,
  MAX_COUNT,
  type ParsedWaitOptions,
  parseWaitOptions,
  throwIfAborted,
  validateCount,
  validateSignal,
  validateTimeout,
} from "./options.js";
export {
  type AttachOption,
  attachedHandle,
  attachOptions,
  type Placement,
  placeRegion,
} from "./placement.js";
export {
  adoptRuntime,
  deathEpoch,
  deathEpochWord,
  IDENTITY_LIMIT,
  LIVENESS_POLL_MS,
  NAME_MAX_BYTES,
  ROOT_IDENTITY,
  RUNTIME_TAG,
  RUNTIME_VERSION,
  RUNTIME_WORDS,
  type RuntimeData,
  runtimeByteLength,
  SLOT_COUNT,
  type SpawnedChild,
  spawnChild,
} from "./runtime.js";
export {
  ensureKindsRegistered,
  HANDLE_RECORD_KEY,
  isKindRegistered,
  isShareable,
  type KindReviver,
  registerKind,
  type SelfRegisteringClass,
} from "./share.js";
export { IDENTITY_PROVIDERS_KEY, setThreadIdentityProvider } from "./thread-identity.js";
export { clearWaitingFor, setWaitingFor, threadName, waitingFor } from "./thread-tables.js";
export { TYPED_ARRAY_TYPES } from "./typed-arrays.js";
export { drive, driveAsync, driveSync, type Sleep, type WaitLoop } from "./wait-loop.js";
