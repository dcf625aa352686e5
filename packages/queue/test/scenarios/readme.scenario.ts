import type { ScenarioContext } from "@sabkit/test-utils";
import { worker } from "../fixtures/readme-example.js";

export function runWorker(_ctx: ScenarioContext, handles: Parameters<typeof worker>[0]): void {
  worker(handles);
}
