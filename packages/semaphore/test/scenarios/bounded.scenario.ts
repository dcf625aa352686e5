import { revive } from "@sabkit/core";
import type { ScenarioContext } from "@sabkit/test-utils";
import "../../src/index.js";
import type { BoundedSemaphore } from "../../src/index.js";

/** Tries release(2) once: "released" or the error's class name. */
export function releaseTwo(_ctx: ScenarioContext, shared: unknown): string {
  const { sem } = revive<{ sem: BoundedSemaphore }>(shared);
  try {
    sem.release(2);
    return "released";
  } catch (error) {
    return (error as Error).name;
  }
}
