import { type ScenarioContext, startWorker } from "@sabkit/test-utils";
import { isThreadAlive, threadIdentity } from "../../src/index.js";
import { deathEpoch, setWaitingFor, threadName, waitingFor } from "../../src/internal.js";

const self = new URL(import.meta.url);

/** This worker's identity and what it sees of the root and of itself. */
export function identity(): {
  identity: number;
  rootAlive: boolean | undefined;
  selfAlive: boolean | undefined;
} {
  return {
    identity: threadIdentity(),
    rootAlive: isThreadAlive(1),
    selfAlive: isThreadAlive(threadIdentity()),
  };
}

/** Starts `children` workers through the runtime (as a parent would) and returns all identities. */
export async function nested(
  _ctx: ScenarioContext,
  children: number,
): Promise<{
  identity: number;
  children: number[];
  childrenDeadAfterExit: boolean[];
  epochDelta: number;
}> {
  const before = deathEpoch();
  const started = Array.from({ length: children }, (_, index) =>
    startWorker<ReturnType<typeof identity>>(self, "identity", { index }),
  );
  const results = await Promise.all(started.map((w) => w.result));
  await Promise.all(started.map((w) => w.exited));
  return {
    identity: threadIdentity(),
    children: results.map((r) => r.identity),
    childrenDeadAfterExit: results.map((r) => isThreadAlive(r.identity) === false),
    epochDelta: deathEpoch() - before,
  };
}

/** Writes this worker's identity into cell[0], notifies, then `mode`. */
export async function publishThen(
  _ctx: ScenarioContext,
  cell: SharedArrayBuffer,
  mode: "hang" | "exit" | "throw" | "spawn-and-hang" | "wait-and-hang",
  slot = 0,
): Promise<void> {
  const i32 = new Int32Array(cell);
  if (mode === "spawn-and-hang") {
    // A grandchild that publishes into the next slot and hangs.
    startWorker(self, "publishThen", { args: [cell, "hang", slot + 1] });
  }
  if (mode === "wait-and-hang") setWaitingFor(0x1234, 77);
  Atomics.store(i32, slot, threadIdentity()); // publishes the identity to the test
  Atomics.notify(i32, slot);
  if (mode === "exit") process.exit(3);
  if (mode === "throw") {
    setTimeout(() => {
      throw new Error("planted uncaught error");
    }, 0);
  }
  // Never notified: ends by terminate(), exit or the uncaught error.
  await new Promise(() => {
    setInterval(() => {}, 1 << 30);
  });
}

/** What this worker sees of another identity. */
export function aliveOf(_ctx: ScenarioContext, id: number): boolean | undefined {
  return isThreadAlive(id);
}

/** What `id` waits for, as this worker sees it through the shared table. */
export function waitingForOf(_ctx: ScenarioContext, id: number): unknown {
  return waitingFor(id) ?? null;
}

export function threadNameOf(_ctx: ScenarioContext, id: number): unknown {
  return threadName(id) ?? null;
}
