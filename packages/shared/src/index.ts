/// <reference lib="esnext.disposable" preserve="true" />
// sabkit's guards are Disposable (`using`): this keeps its declarations compiling
// in projects whose "lib" lacks it (a browser project's ES2022 + DOM, say).
/**
 * @sabkit/shared: Value, SharedArray, SharedDict, SharedList, Namespace,
 * SharedMemory, ShareableList and Manager — Python's shared objects, living
 * in shared memory (no server process, no proxies).
 *
 * @packageDocumentation
 */
export type { LockOption, TryResult } from "./common.js";
export type { DictKey } from "./keys.js";
export { Manager } from "./manager.js";
export { Namespace } from "./namespace.js";
export { type ShareableItem, ShareableList, type ShareableListHandle } from "./shareable-list.js";
export { SharedArray, type SharedArrayHandle } from "./shared-array.js";
export { SharedDict, type SharedDictHandle, type SharedDictOptions } from "./shared-dict.js";
export { SharedList, type SharedListHandle, type SharedListOptions } from "./shared-list.js";
export { SharedMemory, type SharedMemoryHandle } from "./shared-memory.js";
export { CAN_GROW, type StoreOptions } from "./store.js";
export type { ArrayOf, Canonical, ElementType, TypeCode, ValueOf } from "./types.js";
export { type SharedScalarOptions, Value, type ValueHandle } from "./value.js";
