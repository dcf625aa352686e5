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
});
