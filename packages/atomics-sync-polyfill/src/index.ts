/**
 * wait/notify on SharedArrayBuffer that works everywhere: blocking where
 * allowed, spinning where not, async always.
 */
export { install } from "./install.js";
export { notify } from "./notify.js";
export { canBlock } from "./platform.js";
export type { WaitResult } from "./types.js";
export { waitAsync } from "./wait-async.js";
export { waitSync } from "./wait-sync.js";
