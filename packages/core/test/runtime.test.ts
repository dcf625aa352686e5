import { Worker } from "node:worker_threads";
import { waitAsync } from "@sabkit/atomics-sync-polyfill";
import {
  INHERITED_KEY,
  runInWorkers,
  SPAWN_HOOK,
  startWorker,
  withTimeLimit,
} from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { InvalidHandleError, isThreadAlive, SabkitError, threadIdentity } from "../src/index.js";
import {
  adoptRuntime,
  clearWaitingFor,
  deathEpoch,
  deathEpochWord,
  IDENTITY_LIMIT,
  LIVENESS_POLL_MS,
  NAME_MAX_BYTES,
  RUNTIME_VERSION,
  RUNTIME_WORDS,
  runtimeByteLength,
  SLOT_COUNT,
  setWaitingFor,
  spawnChild,
  threadName,
  waitingFor,
} from "../src/internal.js";

const scenarios = new URL("./scenarios/runtime.scenario.ts", import.meta.url);
type Identity = {
  identity: number;
  rootAlive: boolean | undefined;
  selfAlive: boolean | undefined;
};

/** Waits (bounded) until a worker has written its identity into cell[slot]. */
async function publishedIdentity(cell: SharedArrayBuffer, slot = 0): Promise<number> {
  const i32 = new Int32Array(cell);
  await waitAsync(i32, slot, 0, 10_000);
  const id = Atomics.load(i32, slot);
  if (id === 0) throw new Error(`no identity published in slot ${slot} within 10 s`);
  return id;
}

describe("thread identity", () => {
  it("is 1 on the root thread, which is alive", () => {
    expect(threadIdentity()).toBe(1);
    expect(isThreadAlive(1)).toBe(true);
  });

  it("publishes the spawn hook that test-utils uses", () => {
    const hook = (globalThis as Record<symbol, unknown>)[SPAWN_HOOK] as { spawnChild: unknown };
    expect(typeof hook.spawnChild).toBe("function");
    expect((globalThis as Record<symbol, unknown>)[INHERITED_KEY]).toBeUndefined();
  });

  it("is unique, never 0, in [2, 2^30) across workers, and each sees itself and the root alive", async () => {
    const results = await runInWorkers<Identity>(scenarios, "identity", {
      workers: 4,
      timeoutMs: 20_000,
    });
    const ids = results.map((r) => r.identity);
    expect(new Set([1, ...ids]).size).toBe(5);
    for (const r of results) {
      expect(r.identity).toBeGreaterThanOrEqual(2);
      expect(r.identity).toBeLessThan(IDENTITY_LIMIT);
      expect(r.identity | 0).toBe(r.identity);
      expect(r.rootAlive).toBe(true);
      expect(r.selfAlive).toBe(true);
    }
    // runInWorkers terminated them and their exits were recorded.
    for (const id of ids) expect(isThreadAlive(id)).toBe(false);
  });

  it("is unique across nested workers started through the runtime", async () => {
    const results = await runInWorkers<{
      identity: number;
      children: number[];
      childrenDeadAfterExit: boolean[];
      epochDelta: number;
    }>(scenarios, "nested", { workers: 2, args: [2], timeoutMs: 20_000 });
    const all = [1, ...results.flatMap((r) => [r.identity, ...r.children])];
    expect(all).toHaveLength(7);
    expect(new Set(all).size).toBe(7);
    expect(all.every((id) => id > 0 && id < IDENTITY_LIMIT)).toBe(true);
    for (const r of results) {
      expect(r.childrenDeadAfterExit).toEqual([true, true]);
    }
    for (const id of all.slice(1)) expect(isThreadAlive(id)).toBe(false);
  });
});

describe("liveness", () => {
  it("a terminated worker is dead and the death epoch advanced by one", async () => {
    const cell = new SharedArrayBuffer(8);
    const worker = startWorker(scenarios, "publishThen", { args: [cell, "hang"] });
    const id = await publishedIdentity(cell);
    expect(isThreadAlive(id)).toBe(true);
    const before = deathEpoch();
    await withTimeLimit(worker.terminate(), 10_000, "terminate");
    expect(isThreadAlive(id)).toBe(false);
    expect(deathEpoch()).toBe(before + 1);
    // Another worker sees the same through the shared table.
    const [seen] = await runInWorkers<boolean | undefined>(scenarios, "aliveOf", { args: [id] });
    expect(seen).toBe(false);
  });

  it.each([
    ["process.exit(3)", "exit", 3],
    ["an uncaught error", "throw", 1],
  ] as const)(
    "a worker that ends by %s is dead and the epoch advanced",
    async (_label, mode, code) => {
      const cell = new SharedArrayBuffer(8);
      const before = deathEpoch();
      const worker = startWorker(scenarios, "publishThen", { args: [cell, mode], stdio: false });
      const id = await publishedIdentity(cell);
      expect(await withTimeLimit(worker.exited, 10_000, "worker exit")).toBe(code);
      expect(isThreadAlive(id)).toBe(false);
      expect(deathEpoch()).toBe(before + 1);
    },
  );

  it("terminating a worker records the death of the workers it started (their exit handlers never run)", async () => {
    const cell = new SharedArrayBuffer(8);
    const worker = startWorker(scenarios, "publishThen", { args: [cell, "spawn-and-hang"] });
    const parent = await publishedIdentity(cell, 0);
    const grandchild = await publishedIdentity(cell, 1);
    expect([isThreadAlive(parent), isThreadAlive(grandchild)]).toEqual([true, true]);
    const before = deathEpoch();
    await withTimeLimit(worker.terminate(), 10_000, "terminate");
    expect([isThreadAlive(parent), isThreadAlive(grandchild)]).toEqual([false, false]);
    expect(deathEpoch()).toBe(before + 2);
  });

  it("wakes waiters on the death epoch word", async () => {
    const { i32, index } = deathEpochWord();
    expect(index).toBe(RUNTIME_WORDS.DEATH_EPOCH);
    const seen = Atomics.load(i32, index);
    const child = spawnChild();
    const waiting = waitAsync(i32, index, seen, 10_000);
    child.onExit(0);
    expect(await waiting).toBe("ok");
    child.onExit(0); // idempotent
    expect(Atomics.load(i32, index)).toBe(seen + 1);
  });

  it("spawnChild marks an identity alive until onExit; slots are reused and identities are not", () => {
    const children = Array.from({ length: 5 }, () => spawnChild());
    const ids = children.map((c) => c.identity);
    expect(new Set(ids).size).toBe(5);
    for (const c of children) {
      expect(isThreadAlive(c.identity)).toBe(true);
      expect(c.data).toMatchObject({
        tag: "sabkit.runtime",
        version: RUNTIME_VERSION,
        identity: c.identity,
      });
      expect(c.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    for (const c of children) c.onExit(0);
    for (const id of ids) expect(isThreadAlive(id)).toBe(false);
    const next = spawnChild();
    expect(ids).not.toContain(next.identity);
    next.onExit(0);
  });

  it("answers unknown (undefined) for 0, negative, fractional, non-number and fallback identities", () => {
    for (const id of [0, -1, 1.5, Number.NaN, 2 ** 31, "1", null]) {
      expect(isThreadAlive(id as number)).toBeUndefined();
    }
    expect(isThreadAlive(IDENTITY_LIMIT + 5)).toBeUndefined();
    // In range but never handed out (e.g. a corrupted owner word): no live thread holds it.
    expect(isThreadAlive(IDENTITY_LIMIT - 1)).toBe(false);
  });

  it("recommends a polling slice for waiters", () => {
    expect(LIVENESS_POLL_MS).toBe(25);
  });
});

describe("wait-for table (deadlock detection)", () => {
  it("has a wait-for word pair per slot after the liveness slots, then 8 name words per slot (version 3)", () => {
    expect(RUNTIME_VERSION).toBe(3);
    expect(runtimeByteLength()).toBe((RUNTIME_WORDS.SLOTS + 12 * SLOT_COUNT) * 4);
    expect(deathEpochWord().i32.byteLength).toBe(runtimeByteLength());
  });

  it("publishes what a thread waits for, seen by other workers, and forgets it when it dies", async () => {
    const cell = new SharedArrayBuffer(8);
    const worker = startWorker(scenarios, "publishThen", { args: [cell, "wait-and-hang"] });
    const id = await publishedIdentity(cell);
    expect(waitingFor(id)).toEqual({ lockKey: 0x1234, owner: 77 });
    const [seen] = await runInWorkers<unknown>(scenarios, "waitingForOf", { args: [id] });
    expect(seen).toEqual({ lockKey: 0x1234, owner: 77 });
    await withTimeLimit(worker.terminate(), 10_000, "terminate");
    expect(waitingFor(id)).toBeUndefined();
  });

  it("clearWaitingFor removes what setWaitingFor published; ids that are not live identities of the tree wait for nothing", () => {
    expect(setWaitingFor(9, 8)).toBe(true);
    expect(waitingFor(1)).toEqual({ lockKey: 9, owner: 8 });
    clearWaitingFor();
    expect(waitingFor(1)).toBeUndefined();
    for (const id of [0, -1, 1.5, Number.NaN, IDENTITY_LIMIT, "1", null]) {
      expect(waitingFor(id as number)).toBeUndefined();
    }
    expect(waitingFor(IDENTITY_LIMIT - 1)).toBeUndefined(); // never handed out
  });

  it("a slot reused by a new child starts with no wait recorded", () => {
    const child = spawnChild();
    expect(waitingFor(child.identity)).toBeUndefined();
    child.onExit(0);
  });
});

describe("thread names (what DeadlockError calls a thread)", () => {
  it("spawnChild(name) names the child for every thread of the tree while it lives", async () => {
    const child = spawnChild("Process-7");
    expect(threadName(child.identity)).toBe("Process-7");
    const [seen] = await runInWorkers<unknown>(scenarios, "threadNameOf", {
      args: [child.identity],
    });
    expect(seen).toBe("Process-7");
    child.onExit(0);
    expect(threadName(child.identity)).toBeUndefined();
  });

  it("no name, a name cut at a character boundary, unknown ids, bad input", () => {
    const unnamed = spawnChild();
    expect(threadName(unnamed.identity)).toBeUndefined();
    unnamed.onExit(0);
    // 27 ASCII bytes and a 3-byte character: 30 bytes; the character does not fit in 28.
    const long = spawnChild(`${"a".repeat(27)}€tail`);
    expect(threadName(long.identity)).toBe("a".repeat(27));
    expect(new TextEncoder().encode(threadName(long.identity)).length).toBeLessThanOrEqual(
      NAME_MAX_BYTES,
    );
    long.onExit(0);
    const exact = spawnChild("é".repeat(NAME_MAX_BYTES / 2));
    expect(threadName(exact.identity)).toBe("é".repeat(NAME_MAX_BYTES / 2));
    exact.onExit(0);
    for (const id of [0, -1, 1.5, Number.NaN, "2", IDENTITY_LIMIT, IDENTITY_LIMIT - 1]) {
      expect(threadName(id as number)).toBeUndefined();
    }
    expect(() => spawnChild(5 as unknown as string)).toThrow(TypeError);
  });
});

describe("a thread that inherited no runtime", () => {
  it("gets a fallback identity 2^30 + threadId and starts a tree of its own", async () => {
    const worker = new Worker(new URL("./fixtures/plain-worker.mjs", import.meta.url), {
      execArgv: ["--conditions=source"],
    });
    try {
      const message = await withTimeLimit(
        new Promise<Record<string, unknown>>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
        15_000,
        "plain worker",
      );
      expect(message.identity).toBe(IDENTITY_LIMIT + (message.threadId as number));
      expect(message.selfAlive).toBe(true);
      expect(message.rootAlive).toBeUndefined(); // it cannot know
      expect(message.childIdentity).toBeGreaterThanOrEqual(2);
      expect(message.childIdentity).toBeLessThan(IDENTITY_LIMIT);
      expect(message.childAlive).toBe(true);
      expect(message.childAliveAfterExit).toBe(false);
      expect(message.rootAliveAfterSpawn).toBeUndefined(); // identity 1 is not in its tree
    } finally {
      await worker.terminate();
    }
  });
});

describe("adoptRuntime", () => {
  it("is a no-op for nothing new, and refuses a second identity", () => {
    const child = spawnChild();
    try {
      expect(() => adoptRuntime(child.data)).toThrow(SabkitError);
      expect(() => adoptRuntime(child.data)).toThrow("this thread already uses identity 1");
    } finally {
      child.onExit(0);
    }
  });

  it.each([
    [undefined, "must be an object"],
    [{ tag: "x", version: 1 }, `expected "sabkit.runtime" version ${RUNTIME_VERSION}`],
    [
      { tag: "sabkit.runtime", version: 1, buffer: new SharedArrayBuffer(1 << 16), identity: 2 },
      `expected "sabkit.runtime" version ${RUNTIME_VERSION}`,
    ],
    [
      { tag: "sabkit.runtime", version: RUNTIME_VERSION, buffer: new ArrayBuffer(64), identity: 2 },
      "buffer must be a runtime SharedArrayBuffer",
    ],
    [
      {
        tag: "sabkit.runtime",
        version: RUNTIME_VERSION,
        buffer: new SharedArrayBuffer(128),
        identity: 2,
      },
      "header is corrupted",
    ],
  ])("rejects malformed data %o", (data, fragment) => {
    expect(() => adoptRuntime(data)).toThrow(InvalidHandleError);
    expect(() => adoptRuntime(data)).toThrow(fragment);
  });

  it("rejects a corrupted header or identity in otherwise valid data", () => {
    const child = spawnChild();
    try {
      const copy = new SharedArrayBuffer(child.data.buffer.byteLength);
      new Int32Array(copy).set(new Int32Array(child.data.buffer));
      const words = new Int32Array(copy);
      expect(() => adoptRuntime({ ...child.data, buffer: copy, identity: 0 })).toThrow(
        "identity must be an integer in [2, 2^30)",
      );
      expect(() => adoptRuntime({ ...child.data, buffer: copy, identity: IDENTITY_LIMIT })).toThrow(
        "identity must be",
      );
      for (const bad of [0, -1, 3, 2 ** 31 - 1, -(2 ** 31)]) {
        words[RUNTIME_WORDS.SLOT_COUNT] = bad;
        expect(() => adoptRuntime({ ...child.data, buffer: copy })).toThrow("header is corrupted");
      }
    } finally {
      child.onExit(0);
    }
  });
});
