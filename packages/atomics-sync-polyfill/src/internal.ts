/**
 * The raw layer, for sibling packages and tests (`@sabkit/atomics-sync-polyfill/internal`).
 * Not part of the public API: it may change in any release.
 */

export {
  currentRuntime,
  hasNodeApis,
  nodeBuiltin,
  type Runtime,
  tryNodeBuiltin,
} from "./environment.js";
export {
  disposeIdleHelpers,
  helperCounts,
  helperUnavailableReason,
  MAX_IDLE_HELPERS,
  resetHelperAvailability,
} from "./helper-worker.js";
export * from "./index.js";
export { pendingKeepAlive } from "./keep-alive.js";
export { notifyChecked } from "./notify.js";
export {
  type AsyncStrategy,
  hasNativeWaitAsync,
  hasPause,
  POLYFILL_TAG,
  type SyncStrategy,
  setWaitStrategy,
  syncBlocks,
  type WaitStrategy,
  waitStrategy,
} from "./platform.js";
export { pause, SPIN_BACKOFF_CAP, spinWait } from "./spin.js";
export { checkCell, checkCount, checkExpected, checkSignal, checkTimeout } from "./validate.js";
export { MAX_POLL_INTERVAL_MS, waitFallback } from "./wait-async.js";
export { waitSyncSpin } from "./wait-sync.js";
