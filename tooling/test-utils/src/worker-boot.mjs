// Bootstrap of every worker started by @sabkit/test-utils. Plain JavaScript so
// that it runs before any loader: it links the sabkit runtime, registers tsx
// (scenario modules are TypeScript), then runs the requested export.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

const INHERITED_KEY = Symbol.for("sabkit.runtime.inherited");
if (workerData.runtime !== undefined) globalThis[INHERITED_KEY] = workerData.runtime;
register();

function serializeError(error) {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: /** @type {any} */ (error).code,
    };
  }
  return { name: "NonError", message: String(error), stack: undefined, code: undefined };
}

try {
  const module = await import(workerData.moduleUrl);
  const fn = module[workerData.exportName];
  if (typeof fn !== "function") {
    throw new TypeError(
      `scenario module ${workerData.moduleUrl} has no exported function "${workerData.exportName}"`,
    );
  }
  const context = {
    index: workerData.index,
    workers: workerData.workers,
    port: parentPort,
  };
  const value = await fn(context, ...workerData.args);
  parentPort.postMessage({ type: "result", value });
} catch (error) {
  parentPort.postMessage({ type: "error", error: serializeError(error) });
}
