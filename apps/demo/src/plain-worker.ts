/**
 * The postMessage pipeline's counter, written as plain worker code would be:
 * a chunk arrives as a copy, its counts go back as a transferred Int32Array.
 * Runs as a Node `worker_threads` worker and as a browser module worker.
 */
import { countWords, WordTable, warmUp } from "./count.js";
import type { PlainReply, PlainRequest } from "./pipeline.js";

interface Port {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

type NodeThreads = typeof import("node:worker_threads");
// Node: the parent port (a lookup, not an import, so that bundlers for the browser leave it alone).
const threads = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:worker_threads") as NodeThreads | undefined;
const port: Port =
  (threads?.parentPort as Port | null | undefined) ?? (globalThis as unknown as Port);

function listen(handler: (request: PlainRequest) => void): void {
  if (threads?.parentPort) threads.parentPort.on("message", handler);
  else
    globalThis.addEventListener("message", (event) =>
      handler((event as MessageEvent<PlainRequest>).data),
    );
}

const table = new WordTable(new Uint8Array(0));

listen(({ chunk, base, bytes }) => {
  try {
    table.clear(bytes);
    countWords(bytes, 0, bytes.length, table);
    const partial = table.toPartial(base);
    port.postMessage({ type: "counts", chunk, partial } satisfies PlainReply, [partial.buffer]);
  } catch (error) {
    port.postMessage(
      { type: "error", message: String((error as Error)?.stack ?? error) } satisfies PlainReply,
      [],
    );
  }
});
warmUp();
port.postMessage({ type: "ready" } satisfies PlainReply, []);
