/// <reference lib="webworker" />
// A Web Worker for test/browser.test.ts: echoes values with the blocking forms
// (doubling `n`) until the page closes its end, then streams 1 MiB of bytes
// back through its writable stream.
import { ClosedError } from "@sabkit/core";
import { Connection, type ConnectionHandle } from "../../src/index.js";

self.onmessage = async (
  event: MessageEvent<{ values: ConnectionHandle; bytes: ConnectionHandle }>,
) => {
  const values = Connection.from<{ n: number; tag: string }>(event.data.values);
  for (;;) {
    let m: { n: number; tag: string };
    try {
      m = values.recv({ timeout: 10_000 });
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    values.send({ n: m.n * 2, tag: m.tag.toUpperCase() }, { timeout: 10_000 });
  }
  const bytes = Connection.from(event.data.bytes);
  const writer = bytes.writable.getWriter();
  for (let at = 0; at < 1 << 20; at += 10_000) {
    const chunk = new Uint8Array(Math.min(10_000, (1 << 20) - at));
    for (let i = 0; i < chunk.length; i++) chunk[i] = (at + i) & 0xff;
    await writer.write(chunk);
  }
  await writer.close();
};
self.postMessage("ready");
