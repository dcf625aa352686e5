import type { ScenarioContext } from "@sabkit/test-utils";
import { countLine } from "../fixtures/readme-example.js";

export function runWorker(_ctx: ScenarioContext, handles: never, line: string): void {
  countLine(handles, line);
}
