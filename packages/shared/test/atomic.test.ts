import { InvalidHandleError, isThreadAlive, OwnerDiedError } from "@sabkit/core";
import { runInWorkers, scaled, startWorker, waitForWord, withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Namespace, SharedDict, SharedList } from "../src/index.js";
import { BROKEN, COUNT, HEADER_BYTES, REBUILDING, SLOTS } from "../src/internal.js";

const scenarios = new URL("./scenarios/shared.scenario.ts", import.meta.url);

describe("atomically: several operations as one step", () => {
  it("runs the operations without re-locking, in every form, and returns fn's result", async () => {
    const dict = new SharedDict<string, number>([["a", 1]]);
    const sum = dict.atomically((d) => {
      d.set("b", 2);
      expect(d.trySet("c", 3)).toBe(true);
      expect(d.tryGet("c")).toEqual({ ok: true, value: 3 });
      return [...d.values()].reduce((x, y) => x + y, 0);
    });
    expect(sum).toBe(6);
    expect(await dict.atomicallyAsync((d) => d.delete("a"))).toBe(true);
    expect(dict.tryAtomically((d) => d.size)).toEqual({ ok: true, value: 2 });
    // An async form inside resolves with its result (run at once, under the lock).
    let pending: Promise<number | undefined> | undefined;
    dict.atomically((d) => {
      pending = d.getAsync("b");
    });
    await expect(pending).resolves.toBe(2);
    // update's function may read the dict too.
    expect(dict.update("b", (v = 0) => v + (dict.get("c") ?? 0))).toBe(5);

    const ns = new Namespace<{ epoch: number; best: number }>({ epoch: 1, best: 0 });
    ns.atomically((n) => n.set("epoch", (n.get("epoch") ?? 0) + 1).set("best", 7));
    expect(ns.toObject()).toEqual({ epoch: 2, best: 7 });

    const list = new SharedList<number>([3, 1, 2]);
    expect(list.atomically((l) => (l.length > 0 ? l.pop(0) : undefined))).toBe(3);
    expect(list.slice()).toEqual([1, 2]);
  });

  it("bad fn: TypeError before locking; a promise result is refused; a throw propagates, earlier writes stay", () => {
    const dict = new SharedDict<string, number>();
    expect(() => dict.atomically(42 as never)).toThrow(TypeError);
    expect(() => dict.atomically(async () => 1)).toThrow(/synchronous/);
    expect(() => dict.atomically(() => Promise.resolve(1))).toThrow(/returned a promise/);
    expect(() =>
      dict.atomically((d) => {
        d.set("kept", 1);
        throw new RangeError("planted");
      }),
    ).toThrow(RangeError);
    expect(dict.get("kept")).toBe(1);
    expect(dict.getLock().locked).toBe(false);
    // getLock() is still not re-entrant: use atomically.
    dict.getLock().acquire();
    expect(() => dict.get("kept")).toThrow(
      expect.objectContaining({ code: "ERR_SABKIT_DEADLOCK" }),
    );
    expect(dict.tryAtomically(() => 1)).toEqual({ ok: false });
    dict.getLock().release();
    const list = new SharedList<number>();
    expect(() => list.atomically("x" as never)).toThrow(TypeError);
  });

  it("4 workers × read-modify-write through dict.atomically give the exact count", async () => {
    const dict = new SharedDict<string, number>();
    const times = scaled(2_000);
    const done = await runInWorkers<number>(scenarios, "dictAtomically", {
      workers: 4,
      args: [dict.handle, times],
      timeoutMs: 60_000,
    });
    expect(done).toEqual([times, times, times, times]);
    expect(dict.get("n")).toBe(4 * times);
    // 4·times toggles of "odd": an even number, so it is absent.
    expect(dict.has("odd")).toBe(false);
    expect([...dict.keys()]).toEqual(["n"]);
  }, 70_000);

  it("4 workers × get/set/insert/remove through list.atomically give the exact count", async () => {
    const list = new SharedList<number>([0]);
    const times = scaled(2_000);
    await runInWorkers(scenarios, "listAtomically", {
      workers: 4,
      args: [list.handle, times],
      timeoutMs: 60_000,
    });
    expect(list.slice()).toEqual([4 * times]);
  }, 70_000);
});

/**
 * Starts a worker that dies inside `atomically` after its first write; resolves once it is dead.
 * `whileHeld` runs while the worker holds the lock, before it is terminated (to leave in memory
 * what a death at another point would leave).
 */
async function dieHolding(
  kind: "dict" | "list",
  handle: unknown,
  whileHeld?: () => void,
): Promise<number> {
  const cell = new SharedArrayBuffer(8);
  const worker = startWorker(scenarios, "dieInAtomically", {
    args: [kind, handle, cell],
    stdio: false,
  });
  const identity = await waitForWord(new Int32Array(cell), "the worker never took the lock");
  whileHeld?.();
  await withTimeLimit(worker.terminate(), 10_000, "terminate");
  expect(isThreadAlive(identity)).toBe(false);
  return identity;
}

describe("a worker that dies holding a container's lock", () => {
  it("dict: the next operation is OwnerDiedError (not done), the lock is free, the dead worker's first write is there", async () => {
    const dict = new SharedDict<string, number>([["before", 0]]);
    const identity = await dieHolding("dict", dict.handle);
    let error: unknown;
    try {
      dict.set("after", 3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OwnerDiedError);
    expect((error as OwnerDiedError).ownerIdentity).toBe(identity);
    expect((error as OwnerDiedError).guard).toBeUndefined();
    expect((error as Error).message).toMatch(/SharedDict\.set: a worker died holding/);
    expect(dict.getLock().locked).toBe(false);
    expect(dict.has("after")).toBe(false);
    expect([...dict]).toEqual([
      ["before", 0],
      ["first", 1],
    ]);
    dict.set("after", 3);
    expect(dict.size).toBe(3);
  }, 30_000);

  it("list: the async form rejects with OwnerDiedError; later operations are normal", async () => {
    const list = new SharedList<number>([0]);
    await dieHolding("list", list.handle);
    await expect(list.pushAsync([9])).rejects.toBeInstanceOf(OwnerDiedError);
    expect(list.slice()).toEqual([0, 1]);
    expect(list.push(9)).toBe(3);
  }, 30_000);

  it("dict: a delete or an insert cut between two steps is finished; damage it cannot repair marks it broken", async () => {
    const dict = new SharedDict<string, number>([
      ["a", 1],
      ["b", 2],
    ]);
    // While the worker holds the lock, make "a" look half-deleted: entry gone, index slot still pointing at it.
    const handle = dict.handle;
    const i32 = new Int32Array(handle.buffer);
    const slots = i32[SLOTS] as number;
    const entries = (HEADER_BYTES >> 2) + slots;
    await dieHolding("dict", handle, () => {
      i32[entries + 1] = -1; // entry 0 ("a") deleted, its index slot not yet
      // Entry 1 ("b") added, its index slot not yet written.
      const index = HEADER_BYTES >> 2;
      for (let slot = 0; slot < slots; slot++) if (i32[index + slot] === 2) i32[index + slot] = 0;
    });
    expect(() => dict.get("b")).toThrow(OwnerDiedError);
    expect([...dict]).toEqual([
      ["b", 2],
      ["first", 1],
    ]);
    expect(dict.size).toBe(2); // COUNT recounted
    expect(dict.get("a")).toBeUndefined();
    expect(dict.get("b")).toBe(2); // indexed again
    dict.set("a", 5);
    expect([...dict.keys()]).toEqual(["b", "first", "a"]);

    // Now damage that cannot be repaired: an index slot pointing past the entries.
    const broken = new SharedDict<string, number>([["x", 1]]);
    const b32 = new Int32Array(broken.handle.buffer);
    await dieHolding("dict", broken.handle, () => {
      let at = HEADER_BYTES >> 2;
      while (b32[at] === 0) at++;
      b32[at] = 1000;
    });
    expect(() => broken.get("x")).toThrow(InvalidHandleError);
    expect(b32[BROKEN]).toBe(1);
    expect(broken.getLock().locked).toBe(false);
    expect(() => broken.get("x")).toThrow(/broken/);
  }, 30_000);

  it("dict: a death in the middle of a rebuild marks it broken instead of losing entries unseen", async () => {
    const dict = new SharedDict<string, number>([["a", 1]]);
    const i32 = new Int32Array(dict.handle.buffer);
    expect(i32[REBUILDING]).toBe(0);
    await dieHolding("dict", dict.handle, () => {
      i32[REBUILDING] = 1; // what a holder killed between the first and the last rewritten word leaves
    });
    expect(() => dict.get("a")).toThrow(/in the middle of reorganizing the tables/);
    expect(i32[BROKEN]).toBe(1);
    expect(dict.getLock().locked).toBe(false);
    expect(() => dict.get("a")).toThrow(InvalidHandleError);
  }, 30_000);

  it("list: an insert cut after its entries moved is finished or marks the list broken, never a silent duplicate", async () => {
    // While a worker holds the lock (it pushed 1: entries a, b, c, 1), leave what a death inside insert(0, …) leaves.
    const cut = async (damage: (entries: number[], i32: Int32Array, base: number) => void) => {
      const list = new SharedList<unknown>(["a", "b", "c"]);
      const i32 = new Int32Array(list.handle.buffer);
      await dieHolding("list", list.handle, () => {
        const base = HEADER_BYTES >> 2;
        const entries = [0, 1, 2, 3].map((k) => i32[base + 2 * k + 1] as number);
        damage(entries, i32, base);
      });
      return { list, i32 };
    };
    // insert(0, 1) on [a, b, c] after its entry was written, before COUNT: finished.
    const finished = await cut((entries, i32, base) => {
      [entries[3], entries[0], entries[1], entries[2]].forEach((offset, k) => {
        i32[base + 2 * k + 1] = offset as number;
      });
      Atomics.store(i32, COUNT, 3);
    });
    expect(() => finished.list.slice()).toThrow(OwnerDiedError);
    expect(finished.list.slice()).toEqual([1, "a", "b", "c"]);
    expect(finished.i32[BROKEN]).toBe(0);
    // insert(0, …) on [a, b, c, 1] after the entries moved up, before its own entry: "a" twice, 1 gone.
    const moved = await cut((_entries, i32, base) => {
      i32.copyWithin(base + 2, base, base + 4 * 2);
    });
    expect(() => moved.list.slice()).toThrow(/moving the entries/);
    expect(moved.i32[BROKEN]).toBe(1);
    expect(() => moved.list.slice()).toThrow(InvalidHandleError);
  }, 30_000);

  it("dict: a worker killed at random points of writes that rebuild: every acknowledged write is there, or the dict says it is broken", async () => {
    const runs = scaled(8);
    const keys = 300;
    const pad = "x".repeat(100);
    let survived = 0;
    for (let run = 0; run < runs; run++) {
      const dict = new SharedDict<string, string>(undefined, {
        byteLength: 16 * 1024,
        maxByteLength: 64 * 1024,
      });
      const cell = new SharedArrayBuffer(8);
      const acknowledged = new Int32Array(cell);
      const worker = startWorker(scenarios, "overwriteUntilKilled", {
        args: [dict.handle, cell, keys],
        stdio: false,
      });
      // Let it write (and compact) for a while, then kill it wherever it is.
      for (let i = 0; i < 2000 && Atomics.load(acknowledged, 0) < 2 * keys; i++)
        await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      await withTimeLimit(worker.terminate(), 10_000, "terminate");
      const done = Atomics.load(acknowledged, 0);
      expect(done).toBeGreaterThanOrEqual(2 * keys);
      try {
        dict.get("k0"); // takes the lock: OwnerDiedError if the worker died holding it
      } catch (error) {
        if (error instanceof InvalidHandleError) {
          expect((error as Error).message).toMatch(/reorganizing the tables/);
          continue;
        }
        expect(error).toBeInstanceOf(OwnerDiedError);
      }
      expect(dict.size).toBe(keys);
      for (let key = 0; key < keys; key++) {
        // The last acknowledged write of this key, or the one in progress when it died.
        const last = key + keys * Math.floor((done - 1 - key) / keys);
        const value = dict.get(`k${key}`);
        if (done % keys === key && value === `${done}${pad}`) continue;
        expect(value).toBe(`${last}${pad}`);
      }
      survived++;
    }
    expect(survived).toBeGreaterThan(0);
  }, 120_000);
});
