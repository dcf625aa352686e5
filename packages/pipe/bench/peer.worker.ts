// The worker side of every benchmark in bench/index.ts (started with @sabkit/test-utils' startWorker).
import { ClosedError } from "@sabkit/core";
import { Connection } from "../src/index.js";

/** A worker's parentPort is one end of a MessageChannel. */
interface Ctx {
  port: import("node:worker_threads").MessagePort;
}

/** Echoes every message on `port` back (MessageChannel round-trip baseline). */
export function channelEcho(ctx: Ctx): Promise<void> {
  const port = ctx.port;
  return new Promise((resolve) => {
    port.on("message", (message) => {
      if (message === "stop") return resolve();
      port.postMessage(message);
    });
  });
}

/** Counts bytes arriving on `port`; posts the total back each time it reaches a multiple of `every`. */
export function channelSink(ctx: Ctx, every: number): Promise<void> {
  const port = ctx.port;
  let bytes = 0;
  return new Promise((resolve) => {
    port.on("message", (message: Uint8Array | string) => {
      if (message === "stop") return resolve();
      bytes += (message as Uint8Array).length;
      if (bytes % every === 0) port.postMessage(bytes);
    });
  });
}

/** Echoes every message on the connection until the peer closes (blocking forms). */
export function pipeEcho(_ctx: unknown, handle: unknown): void {
  const conn = Connection.from(handle);
  for (;;) {
    let value: unknown;
    try {
      value = conn.recv();
    } catch (error) {
      if (error instanceof ClosedError) return;
      throw error;
    }
    conn.send(value);
  }
}

/**
 * Receives byte messages into successive offsets of one `total`-byte
 * destination until the peer closes; after each `total` bytes, sends the
 * count back.
 */
export function pipeSink(_ctx: unknown, handle: unknown, total: number): void {
  const conn = Connection.from(handle);
  const into = new Uint8Array(total);
  let bytes = 0;
  for (;;) {
    try {
      bytes += conn.recvBytesInto(into, bytes % total);
    } catch (error) {
      if (error instanceof ClosedError) return;
      throw error;
    }
    if (bytes % total === 0) conn.send(bytes);
  }
}

/** Reads the connection's WHATWG readable stream until the end, acknowledging each `every` bytes. */
export async function streamSink(_ctx: unknown, handle: unknown, every: number): Promise<void> {
  const conn = Connection.from(handle);
  let bytes = 0;
  const into = new Uint8Array(every);
  const reader = conn.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    into.set(value, bytes % every); // where a real consumer would put the data
    bytes += value.length;
    if (bytes % every === 0) await conn.sendAsync(bytes);
  }
}

/** bench/micro.ts' receiver: `runs` times, receives `total` bytes into successive offsets of one large buffer, then acknowledges. */
export function pipeDrain(
  _ctx: unknown,
  handle: unknown,
  _chunk: number,
  total: number,
  runs: number,
): number {
  const conn = Connection.from(handle);
  const into = new Uint8Array(total);
  for (let r = 0; r < runs; r++) {
    let at = 0;
    while (at < total) at += conn.recvBytesInto(into, at);
    conn.send(at);
  }
  return runs;
}
