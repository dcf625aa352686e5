/**
 * `import "@sabkit/pipe/register"`: registers every kind of @sabkit/pipe
 * (Connection) in this thread, so that `revive` can turn their handles
 * into live objects. Import it in a worker's module that receives them
 * without importing their classes.
 *
 * Each class registers its kind when its module loads; a bundler keeps this
 * module (the one side effect package.json declares) and, because it uses
 * every class, their modules too. A plain `import "@sabkit/pipe"` is not
 * enough under a bundler: the package is free of side effects, so it drops it.
 *
 * @packageDocumentation
 */
import { ensureKindsRegistered } from "@sabkit/core/internal";
import { Connection } from "./connection.js";

ensureKindsRegistered(Connection);
