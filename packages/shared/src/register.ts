/**
 * `import "@sabkit/shared/register"`: registers every kind of @sabkit/shared
 * (Namespace, ShareableList, SharedArray, SharedDict, SharedList, SharedMemory, Value) in this thread, so that `revive` can turn their handles
 * into live objects. Import it in a worker's module that receives them
 * without importing their classes.
 *
 * Each class registers its kind when its module loads; a bundler keeps this
 * module (the one side effect package.json declares) and, because it uses
 * every class, their modules too. A plain `import "@sabkit/shared"` is not
 * enough under a bundler: the package is free of side effects, so it drops it.
 *
 * @packageDocumentation
 */
import { ensureKindsRegistered } from "@sabkit/core/internal";
import { Namespace } from "./namespace.js";
import { ShareableList } from "./shareable-list.js";
import { SharedArray } from "./shared-array.js";
import { SharedDict } from "./shared-dict.js";
import { SharedList } from "./shared-list.js";
import { SharedMemory } from "./shared-memory.js";
import { Value } from "./value.js";

ensureKindsRegistered(
  Namespace,
  ShareableList,
  SharedArray,
  SharedDict,
  SharedList,
  SharedMemory,
  Value,
);
