import { share } from "@sabkit/core";
import { runInWorkers } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Lock, RLock } from "../src/index.js";

const scenarios = new URL("./scenarios/lock.scenario.ts", import.meta.url);

interface CrossResult {
  outcome: "acquired" | "deadlock";
  identity: number;
  code?: string;
  cycle?: string[];
  message?: string;
}

describe("deadlock detection (opt-in)", () => {
  it.each([
    ["blocking", false],
    ["async", true],
  ])(
    "A -> B / B -> A across two workers (%s): exactly one gets DeadlockError naming the cycle, the other proceeds",
    async (_, async) => {
      const lock = new Lock({ name: "A", detectDeadlocks: true });
      const other = new RLock({ name: "B", detectDeadlocks: true });
      const gate = new SharedArrayBuffer(8);
      const results = await runInWorkers<CrossResult>(scenarios, "cross", {
        workers: 2,
        args: [
          share({ lock, other, counter: new Int32Array(new SharedArrayBuffer(16)) }),
          gate,
          async,
        ],
        timeoutMs: 30_000,
      });
      const outcomes = results.map((r) => r.outcome).sort();
      expect(outcomes).toEqual(["acquired", "deadlock"]);
      const victim = results.find((r) => r.outcome === "deadlock")!;
      const survivor = results.find((r) => r.outcome === "acquired")!;
      // The thread with the higher identity of the cycle reports it.
      expect(victim.identity).toBeGreaterThan(survivor.identity);
      expect(victim.code).toBe("ERR_SABKIT_DEADLOCK");
      expect(victim.cycle).toHaveLength(2);
      const [mine, theirs] = victim.cycle!;
      const [wanted, held] =
        victim.identity === results[0]!.identity ? ['"B"', '"A"'] : ['"A"', '"B"'];
      expect(mine).toBe(
        `thread ${victim.identity} waits for lock ${wanted} held by thread ${survivor.identity}`,
      );
      expect(theirs).toBe(
        `thread ${survivor.identity} waits for lock ${held} held by thread ${victim.identity}`,
      );
      expect(victim.message).toContain("Lock.all");
      expect([lock.locked, other.locked]).toEqual([false, false]);
    },
  );

  it.each([
    ["distinct names: the names alone", ["left", "right"]],
    ["one name twice: the names with their identities", ["same", "same"]],
  ])("the cycle calls named threads by name (%s)", async (_, names) => {
    const lock = new Lock({ name: "A", detectDeadlocks: true });
    const other = new Lock({ name: "B", detectDeadlocks: true });
    const results = await runInWorkers<CrossResult>(scenarios, "cross", {
      workers: 2,
      name: (index) => names[index]!,
      args: [
        share({ lock, other, counter: new Int32Array(new SharedArrayBuffer(16)) }),
        new SharedArrayBuffer(8),
        false,
      ],
      timeoutMs: 30_000,
    });
    const victimIndex = results.findIndex((r) => r.outcome === "deadlock");
    expect(victimIndex).not.toBe(-1);
    const victim = results[victimIndex]!;
    const survivor = results[1 - victimIndex]!;
    const label = (index: number, identity: number) =>
      names[0] === names[1] ? `${names[index]} (thread ${identity})` : names[index];
    const [wanted, held] = victimIndex === 0 ? ['"B"', '"A"'] : ['"A"', '"B"'];
    expect(victim.cycle).toEqual([
      `${label(victimIndex, victim.identity)} waits for lock ${wanted} held by ${label(1 - victimIndex, survivor.identity)}`,
      `${label(1 - victimIndex, survivor.identity)} waits for lock ${held} held by ${label(victimIndex, victim.identity)}`,
    ]);
  });
});
