import { AbortError, DeadlockError, share, TimeoutError } from "@sabkit/core";
import { runInWorkers, scaled } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { RwLock } from "../src/index.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);

describe("RwLock", () => {
  it("a steady stream of overlapping readers in 3 workers cannot starve a writer; writers never see readers", async () => {
    const rw = new RwLock();
    const counter = new Int32Array(new SharedArrayBuffer(16));
    const times = scaled(200);
    const [writes, ...reads] = await runInWorkers<number>(scenarios, "readersAndWriter", {
      workers: 4,
      args: [share({ lock: undefined, rw, counter }), times],
      timeoutMs: 60_000,
    });
    expect(writes).toBe(times);
    expect(counter[0]).toBe(times);
    for (const r of reads) expect(r).toBeGreaterThan(0);
    expect([rw.readers, rw.writeLocked]).toEqual([0, false]);
  });

  it("readers share it and a writer excludes them; a timed-out writer gives its claim back; the writer asking again is a DeadlockError", async () => {
    const rw = new RwLock();
    const a = rw.read();
    const b = rw.tryRead()!;
    expect(rw.readers).toBe(2);
    expect(rw.tryWrite()).toBeUndefined();
    expect(() => rw.write({ timeout: 10 })).toThrow(TimeoutError);
    await expect(rw.writeAsync({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(rw.writeLocked).toBe(false); // a timed-out writer gave its claim back
    a.release();
    b.release();
    b.release(); // once
    expect(rw.readers).toBe(0);
    const w = rw.write();
    expect(rw.tryRead()).toBeUndefined();
    // The writer's own thread asking again would wait for itself.
    expect(() => rw.read({ timeout: 5 })).toThrow(DeadlockError);
    await expect(rw.readAsync({ timeout: 5 })).rejects.toBeInstanceOf(DeadlockError);
    expect(() => rw.write()).toThrow(DeadlockError);
    w.release();
    const controller = new AbortController();
    controller.abort();
    await expect(rw.readAsync({ signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(() => rw.write({ signal: controller.signal })).toThrow(AbortError);
    expect(RwLock.from(rw.handle).readers).toBe(0);
  });
});
