/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/core: what every sabkit primitive is built on — errors, wait
 * options, guards, handles and their sharing, thread identities.
 *
 * This entry is for users. Primitive packages also use the raw layer in
 * `@sabkit/core/internal` (layouts, handle kinds and tags, deadlines,
 * validation, the liveness runtime).
 *
 * @packageDocumentation
 */
export { bytesCodec, type Codec, jsonCodec, structuredCodec } from "./codec/index.js";
export {
  AbortError,
  BrokenBarrierError,
  ClosedError,
  DeadlockError,
  EmptyError,
  FullError,
  InvalidHandleError,
  NotOwnerError,
  OwnerDiedError,
  type OwnerDiedErrorOptions,
  registerErrorClass,
  SabkitError,
  type SabkitErrorCode,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.js";
export { Guard } from "./guard.js";
export type { Handle, Shareable } from "./handle.js";
export type { WaitOptions } from "./options.js";
export type { Placement } from "./placement.js";
export { isThreadAlive } from "./runtime.js";
export { type ReviveAsyncOptions, revive, reviveAsync, share } from "./share.js";
export { threadIdentity } from "./thread-identity.js";
