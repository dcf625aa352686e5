// Real-worker scenarios for Pipe / Connection (run by test/pipe-workers.test.ts).
import { ClosedError } from "@sabkit/core";
import { type ScenarioContext, seededRandom } from "@sabkit/test-utils";
import { Connection } from "../../src/index.js";

/** Byte `i` of the message of `size` bytes number `seq`: a function of (seq, size, i). */
export function byteAt(seq: number, size: number, i: number): number {
  return (seq * 31 + size * 7 + i * 13) & 0xff;
}

export function fill(seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = byteAt(seq, size, i);
  return bytes;
}

/** Number of bytes in `got` that differ from message (seq, size). */
export function wrongBytes(got: Uint8Array, seq: number, size: number): number {
  if (got.length !== size) return Math.max(1, Math.abs(got.length - size));
  let wrong = 0;
  for (let i = 0; i < size; i++) if (got[i] !== byteAt(seq, size, i)) wrong++;
  return wrong;
}

/**
 * Worker 0 sends {seq, text} `count` times and checks every reply is
 * {seq, twice: 2*seq, text reversed}; worker 1 echoes with that transformation.
 * Returns [replies checked, wrong replies].
 */
export async function pingPong(
  ctx: ScenarioContext,
  h0: unknown,
  h1: unknown,
  count: number,
  useAsync: boolean,
): Promise<number[]> {
  if (ctx.index === 0) {
    const a = Connection.from<{ seq: number; text: string; twice?: number }>(h0);
    let wrong = 0;
    for (let seq = 0; seq < count; seq++) {
      const text = `m${seq}`;
      if (useAsync) await a.sendAsync({ seq, text }, { timeout: 60_000 });
      else a.send({ seq, text }, { timeout: 60_000 });
      const reply = useAsync ? await a.recvAsync({ timeout: 60_000 }) : a.recv({ timeout: 60_000 });
      if (
        reply.seq !== seq ||
        reply.twice !== 2 * seq ||
        reply.text !== [...text].reverse().join("")
      )
        wrong++;
    }
    a.close();
    return [count, wrong];
  }
  const b = Connection.from<{ seq: number; text: string; twice?: number }>(h1);
  let echoed = 0;
  for (;;) {
    let m: { seq: number; text: string };
    try {
      m = useAsync ? await b.recvAsync({ timeout: 60_000 }) : b.recv({ timeout: 60_000 });
    } catch (error) {
      if (error instanceof ClosedError) break;
      throw error;
    }
    const reply = { seq: m.seq, twice: 2 * m.seq, text: [...m.text].reverse().join("") };
    if (useAsync) await b.sendAsync(reply, { timeout: 60_000 });
    else b.send(reply, { timeout: 60_000 });
    echoed++;
  }
  return [echoed, 0];
}

/**
 * Worker 0 sends one message of every size in `sizes` (sendBytes, with a
 * random offset into a larger buffer), then closes; worker 1 receives them
 * with recvBytes / recvBytesInto (random) and checks every byte.
 * Returns [messages, wrong bytes, wrong lengths, ended with ClosedError (1/0)].
 */
export async function bytesOfEverySize(
  ctx: ScenarioContext,
  h0: unknown,
  h1: unknown,
  sizes: number[],
  seed: number,
  useAsync: boolean,
): Promise<number[]> {
  const random = seededRandom(seed + ctx.index);
  if (ctx.index === 0) {
    const a = Connection.from(h0);
    for (let seq = 0; seq < sizes.length; seq++) {
      const size = sizes[seq] as number;
      const pad = Math.floor(random() * 8);
      const buf = new Uint8Array(pad + size + 3);
      buf.set(fill(seq, size), pad);
      if (useAsync) await a.sendBytesAsync(buf, pad, size, { timeout: 60_000 });
      else a.sendBytes(buf, pad, size, { timeout: 60_000 });
    }
    a.close();
    return [sizes.length, 0, 0, 0];
  }
  const b = Connection.from(h1);
  let wrong = 0;
  let wrongLengths = 0;
  let seq = 0;
  const into = new Uint8Array(Math.max(...sizes) + 16);
  for (;;) {
    try {
      const size = sizes[seq] ?? 0;
      let got: Uint8Array;
      if (random() < 0.5) {
        got = useAsync
          ? await b.recvBytesAsync(undefined, { timeout: 60_000 })
          : b.recvBytes(undefined, { timeout: 60_000 });
      } else {
        const offset = Math.floor(random() * 16);
        const n = useAsync
          ? await b.recvBytesIntoAsync(into, offset, { timeout: 60_000 })
          : b.recvBytesInto(into, offset, { timeout: 60_000 });
        got = into.subarray(offset, offset + n);
      }
      if (got.length !== size) wrongLengths++;
      wrong += wrongBytes(got, seq, size);
      seq++;
    } catch (error) {
      if (error instanceof ClosedError) return [seq, wrong, wrongLengths, 1];
      throw error;
    }
  }
}

/**
 * Worker 0 sends `count` numbered messages then closes at once (mid-stream:
 * the receiver is still reading). Worker 1 reads slowly; it must get all of
 * them in order, then ClosedError, and its sends must fail with ClosedError.
 * Returns [received, out of order, ended with ClosedError, send after close failed].
 */
export function peerCloseMidStream(
  ctx: ScenarioContext,
  h0: unknown,
  h1: unknown,
  count: number,
): number[] {
  if (ctx.index === 0) {
    const a = Connection.from<number>(h0);
    for (let i = 0; i < count; i++) a.send(i, { timeout: 60_000 });
    a.close();
    return [count, 0, 0, 0];
  }
  const b = Connection.from<number>(h1);
  let received = 0;
  let outOfOrder = 0;
  let ended = 0;
  for (;;) {
    try {
      const v = b.recv({ timeout: 60_000 });
      if (v !== received) outOfOrder++;
      received++;
    } catch (error) {
      if (error instanceof ClosedError) ended = 1;
      else throw error;
      break;
    }
  }
  let sendFailed = 0;
  try {
    b.send(1);
  } catch (error) {
    if (error instanceof ClosedError) sendFailed = 1;
  }
  return [received, outOfOrder, ended, sendFailed];
}

/**
 * Worker 0 waits for `go`, then sends one message; worker 1 polls: first
 * with no data (timeout 0 and 50 ms must say false), then lets worker 0 go
 * and polls with a long timeout (true), reads the message, and finally sees
 * poll true at end of stream. Returns [poll0, poll50, pollLong, value, pollAtEnd].
 */
export function pollAcross(
  ctx: ScenarioContext,
  h0: unknown,
  h1: unknown,
  go: Int32Array,
): unknown[] {
  if (ctx.index === 0) {
    const a = Connection.from<string>(h0);
    while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0, 1000);
    a.send("here");
    a.close();
    return [];
  }
  const b = Connection.from<string>(h1);
  const poll0 = b.poll(0);
  const poll50 = b.poll(50);
  Atomics.store(go, 0, 1);
  Atomics.notify(go, 0);
  const pollLong = b.poll(30_000);
  const value = b.recv({ timeout: 1000 });
  const pollAtEnd = b.poll(30_000);
  return [poll0, poll50, pollLong, value, pollAtEnd];
}

/** Reads the connection's readable stream to the end; returns [bytes, checksum]. */
export async function readStream(_ctx: ScenarioContext, handle: unknown): Promise<number[]> {
  const b = Connection.from(handle);
  let bytes = 0;
  let sum = 0;
  for await (const chunk of b.readable as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < chunk.length; i++) sum = (sum * 31 + (chunk[i] as number)) | 0;
    bytes += chunk.length;
  }
  return [bytes, sum];
}

/** Writes `total` deterministic bytes (chunks of `chunk`) into the connection's writable, then closes it. */
export async function writeStream(
  _ctx: ScenarioContext,
  handle: unknown,
  total: number,
  chunk: number,
): Promise<number> {
  const a = Connection.from(handle);
  const writer = a.writable.getWriter();
  for (let at = 0; at < total; at += chunk) {
    const n = Math.min(chunk, total - at);
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (at + i) * 7;
    await writer.write(bytes);
  }
  await writer.close();
  return total;
}

/** Copies the connection's readable into the file at `path` with pipeTo (a WHATWG file copy). */
export async function copyToFile(
  _ctx: ScenarioContext,
  handle: unknown,
  path: string,
): Promise<void> {
  const { createWriteStream } = await import("node:fs");
  const { Writable } = await import("node:stream");
  const b = Connection.from(handle);
  await b.readable.pipeTo(Writable.toWeb(createWriteStream(path)) as WritableStream<Uint8Array>);
}

/** Gunzips what arrives on the connection's Node Duplex; returns [bytes, checksum] of the result. */
export async function gunzipFrom(_ctx: ScenarioContext, handle: unknown): Promise<number[]> {
  const { pipeline } = await import("node:stream/promises");
  const { createGunzip } = await import("node:zlib");
  const { toDuplex } = await import("../../src/node.js");
  const b = Connection.from(handle);
  let bytes = 0;
  let sum = 0;
  await pipeline(toDuplex(b), createGunzip(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      for (let i = 0; i < chunk.length; i++) sum = (sum * 31 + (chunk[i] as number)) | 0;
      bytes += chunk.length;
    }
  });
  return [bytes, sum];
}
