// The worker side of the lock benchmarks (started with @sabkit/test-utils' startWorker).
// Control words (Int32Array over `control`):
//   GO (0): the main thread bumps it to start a batch; DONE (1): workers add 1 per finished batch;
//   STOP (2): 1 = exit; BATCH (3): iterations per batch.
import { notify, waitSync } from "@sabkit/atomics-sync-polyfill";
import { spinWait } from "@sabkit/atomics-sync-polyfill/internal";
import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
// A side-effect import registers the kinds that revive() needs (a type-only import is elided).
import "../src/index.js";
import type { Lock } from "../src/index.js";

export const GO = 0;
export const DONE = 1;
export const STOP = 2;
export const BATCH = 3;

type Tree = { lock: Lock; spin: Int32Array; counter: Int32Array; control: Int32Array };

/** A CAS spinlock with backoff: the floor for contended throughput. */
function spinLock(spin: Int32Array): void {
  for (let i = 0; Atomics.compareExchange(spin, 0, 0, 1) !== 0; i++) spinWait(i);
}

export async function peer(_ctx: ScenarioContext, mode: string, shared: unknown): Promise<void> {
  const { lock, spin, counter, control } = revive<Tree>(shared);
  let seen = 0;
  for (;;) {
    while (Atomics.load(control, GO) === seen && Atomics.load(control, STOP) === 0) {
      waitSync(control, GO, seen, 100);
    }
    if (Atomics.load(control, STOP) !== 0) return;
    seen = Atomics.load(control, GO);
    const batch = Atomics.load(control, BATCH);
    if (mode === "lock") {
      for (let i = 0; i < batch; i++) {
        using _held = lock.acquire();
        counter[0] = counter[0]! + 1;
      }
    } else if (mode === "lock-async") {
      for (let i = 0; i < batch; i++) {
        await using _held = await lock.acquireAsync();
        counter[0] = counter[0]! + 1;
      }
    } else if (mode === "spin") {
      for (let i = 0; i < batch; i++) {
        spinLock(spin);
        counter[0] = counter[0]! + 1;
        Atomics.store(spin, 0, 0);
      }
    } else if (mode === "handoff" || mode === "handoff-async" || mode === "signal") {
      // One hand-off per GO: wait for the lock the main thread holds, then report.
      if (mode === "handoff") lock.acquire().release();
      else if (mode === "handoff-async") (await lock.acquireAsync()).release();
    }
    Atomics.add(control, DONE, 1);
    notify(control, DONE);
  }
}
