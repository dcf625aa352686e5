/**
 * Interleaving models of the wait layer's handshake (the real waitSync /
 * notify), run by the test-utils explorer: exhaustive at preemption bound 2,
 * then random and PCT schedules (`SABKIT_MODEL_SCHEDULES=100000 npx vitest run
 * test/models` for 10^5 each).
 */
import { awaitAsyncWait, exploreAllModes, type Model } from "@sabkit/test-utils/explorer";
import { describe, expect, it } from "vitest";
import { notify, waitAsync, waitSync } from "../../src/index.js";
import { pendingKeepAlive } from "../../src/keep-alive.js";

/** Models run 10^5 schedules synchronously: give each its own bound (a hang guard, not a timing check). */
const MODEL_TIME = 600_000;

interface Flag {
  readonly i32: Int32Array;
}

describe("wait layer model", () => {
  it(
    "store-then-notify vs check-then-waitSync: no lost wake-up",
    () => {
      const model: Model<Flag> = {
        name: "waitSync / notify handshake",
        setup: () => ({ i32: new Int32Array(new SharedArrayBuffer(8)) }),
        threads: [
          ({ i32 }) => {
            const results: string[] = [];
            while (Atomics.load(i32, 0) === 0) results.push(waitSync(i32, 0, 0));
            return results;
          },
          ({ i32 }) => {
            Atomics.store(i32, 0, 1);
            return notify(i32, 0);
          },
        ],
        check: (_, results) => {
          // Woken ("ok") or the value had changed first ("not-equal"); at most one wait.
          expect([[], ["ok"], ["not-equal"]]).toContainEqual(results[0]);
          expect(results[1]).toBe((results[0] as string[])[0] === "ok" ? 1 : 0);
        },
      };
      const [exhaustive] = exploreAllModes(model);
      expect(exhaustive!.schedules).toBeGreaterThan(2);
    },
    MODEL_TIME,
  );

  it(
    "two waiters, notify(1) twice with two state changes: both wake",
    () => {
      exploreAllModes<Flag>({
        name: "two waiters, two single notifies",
        setup: () => ({ i32: new Int32Array(new SharedArrayBuffer(8)) }),
        threads: [
          ...[1, 2].map((need) => ({ i32 }: Flag) => {
            // Waits until the counter reaches need (a timed wait that may time out and retry).
            for (let v = Atomics.load(i32, 0); v < need; v = Atomics.load(i32, 0))
              waitSync(i32, 0, v, 50);
          }),
          ({ i32 }: Flag) => {
            for (let i = 0; i < 2; i++) {
              Atomics.add(i32, 0, 1);
              notify(i32, 0, 1);
            }
          },
        ],
        check: ({ i32 }) => expect(Atomics.load(i32, 0)).toBe(2),
      });
    },
    MODEL_TIME,
  );

  it(
    "waitAsync and waitSync waiters, notify(1) twice with two state changes: both wake",
    () => {
      const held = pendingKeepAlive();
      exploreAllModes<Flag>({
        name: "waitAsync + waitSync, two single notifies",
        setup: () => ({ i32: new Int32Array(new SharedArrayBuffer(8)) }),
        threads: [
          // The real waitAsync (native path: Atomics.waitAsync registers a
          // waiter in the same FIFO queue as Atomics.wait), awaited.
          ({ i32 }: Flag) => {
            const results: string[] = [];
            for (let v = Atomics.load(i32, 0); v < 1; v = Atomics.load(i32, 0))
              results.push(awaitAsyncWait(() => waitAsync(i32, 0, v, 50)));
            return results;
          },
          ({ i32 }: Flag) => {
            for (let v = Atomics.load(i32, 0); v < 2; v = Atomics.load(i32, 0))
              waitSync(i32, 0, v, 50);
          },
          ({ i32 }: Flag) => {
            for (let i = 0; i < 2; i++) {
              Atomics.add(i32, 0, 1);
              notify(i32, 0, 1);
            }
          },
        ],
        check: ({ i32 }, results) => {
          expect(Atomics.load(i32, 0)).toBe(2);
          for (const r of results[0] as string[])
            expect(["ok", "not-equal", "timed-out"]).toContain(r);
        },
      });
      // Every wait settled: none holds the event loop open.
      expect(pendingKeepAlive()).toBe(held);
    },
    MODEL_TIME,
  );
});
