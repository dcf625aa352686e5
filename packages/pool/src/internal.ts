/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/pool/internal: the worker slot layout and the worker loop, for tests.
 * Not covered by semver for end users.
 *
 * @packageDocumentation
 */
export * from "./index.js";
export { SEQ_RANGE } from "./pool-worker.js";
export * from "./protocol.js";
export * from "./slot.js";
export { runPoolWorker } from "./worker.js";
