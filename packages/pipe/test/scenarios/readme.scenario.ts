// Runs the README's worker function in a real worker (test/readme.test.ts).
import type { ConnectionHandle } from "../../src/index.js";
import { worker } from "../fixtures/readme-example.js";

export function runWorker(
  _ctx: unknown,
  ends: { calls: ConnectionHandle; upload: ConnectionHandle },
): Promise<void> {
  return worker(ends);
}
