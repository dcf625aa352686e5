import type { ScenarioContext } from "@sabkit/test-utils";
import { revive } from "../../src/index.js";
// A side-effect import registers the kind: a type-only import would be
// elided by the compiler, and revive would not know "example.tiny-lock".
import "../fixtures/tiny-lock.js";
import type { TinyLock } from "../fixtures/tiny-lock.js";

/** Plain (non-atomic) increments of a shared counter under the lock; `using` releases. */
export function increment(_ctx: ScenarioContext, shared: unknown, times: number): number {
  const { lock, counter } = revive<{ lock: TinyLock; counter: Int32Array }>(shared);
  for (let i = 0; i < times; i++) {
    using _held = lock.acquire({ timeout: 10_000 });
    counter[0] = (counter[0] ?? 0) + 1; // read-modify-write: loses updates without the lock
  }
  return times;
}
