import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { runInWorkers, scaled, testSeed } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { Pipe } from "../src/index.js";
import { toDuplex } from "../src/node.js";

const scenarios = new URL("./scenarios/pipe.scenario.ts", import.meta.url);

function checksum(bytes: Uint8Array, sum = 0): number {
  for (let i = 0; i < bytes.length; i++) sum = (sum * 31 + (bytes[i] as number)) | 0;
  return sum;
}

describe("Connection in real workers", () => {
  it("ping-pongs 100,000 messages with every reply checked (blocking forms)", async () => {
    const count = scaled(100_000);
    const [a, b] = Pipe({ capacity: 4096 });
    const [sender, echo] = await runInWorkers<number[]>(scenarios, "pingPong", {
      workers: 2,
      args: [a.handle, b.handle, count, false],
      timeoutMs: 240_000,
    });
    expect(sender).toEqual([count, 0]);
    expect(echo).toEqual([count, 0]);
  }, 250_000);

  it("ping-pongs 10,000 messages with the async forms", async () => {
    const count = scaled(10_000);
    const [a, b] = Pipe({ capacity: 256 });
    const [sender, echo] = await runInWorkers<number[]>(scenarios, "pingPong", {
      workers: 2,
      args: [a.handle, b.handle, count, true],
      timeoutMs: 120_000,
    });
    expect(sender).toEqual([count, 0]);
    expect(echo).toEqual([count, 0]);
  }, 130_000);

  for (const useAsync of [false, true]) {
    it(`moves bytes of every size from 0 to 4 × the ring's capacity, every byte checked (${useAsync ? "async" : "blocking"})`, async () => {
      const capacity = 64;
      const sizes: number[] = [];
      for (let size = 0; size <= 4 * capacity + 7; size++) sizes.push(size);
      sizes.push(10_000, 65_537, 0, 1, capacity - 4, capacity - 3, capacity);
      const [a, b] = Pipe({ capacity });
      const [, receiver] = await runInWorkers<number[]>(scenarios, "bytesOfEverySize", {
        workers: 2,
        args: [a.handle, b.handle, sizes, testSeed(), useAsync],
        timeoutMs: 120_000,
      });
      expect(receiver).toEqual([sizes.length, 0, 0, 1]);
    }, 130_000);
  }

  it("a peer that closes mid-stream loses nothing: every message, in order, then ClosedError; sends to it fail", async () => {
    const count = scaled(20_000);
    const [a, b] = Pipe({ capacity: 512 });
    const [, receiver] = await runInWorkers<number[]>(scenarios, "peerCloseMidStream", {
      workers: 2,
      args: [a.handle, b.handle, count],
      timeoutMs: 120_000,
    });
    expect(receiver).toEqual([count, 0, 1, 1]);
  }, 130_000);

  it("poll says false without data (0 and 50 ms), true when a message arrives, true at end of stream", async () => {
    const [a, b] = Pipe();
    const go = new Int32Array(new SharedArrayBuffer(4));
    const [, poller] = await runInWorkers<unknown[]>(scenarios, "pollAcross", {
      workers: 2,
      args: [a.handle, b.handle, go],
      timeoutMs: 60_000,
    });
    expect(poller).toEqual([false, false, true, "here", true]);
  }, 70_000);

  it("streams a 64 MiB file through pipeTo into a worker that writes it to a file: the SHA-256 matches", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sabkit-pipe-"));
    try {
      const source = join(dir, "in.bin");
      const copy = join(dir, "out.bin");
      const data = new Uint8Array(64 * 1024 * 1024);
      let x = testSeed() | 1;
      for (let i = 0; i < data.length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        data[i] = x;
        data[i + 1] = x >>> 8;
        data[i + 2] = x >>> 16;
        data[i + 3] = x >>> 24;
      }
      writeFileSync(source, data);
      const expected = createHash("sha256").update(data).digest("hex");
      const [a, b] = Pipe({ duplex: false, capacity: 1 << 20 });
      const reading = runInWorkers(scenarios, "copyToFile", {
        workers: 1,
        args: [a.handle, copy],
        timeoutMs: 240_000,
      });
      await (Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>).pipeTo(
        b.writable,
      );
      await reading;
      const copied = createHash("sha256");
      for await (const chunk of createReadStream(copy)) copied.update(chunk as Buffer);
      expect(copied.digest("hex")).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 250_000);

  it("a worker's writable stream reaches this thread's readable with backpressure (small ring)", async () => {
    const total = scaled(300_000);
    const [a, b] = Pipe({ capacity: 1024 });
    const writing = runInWorkers<number>(scenarios, "writeStream", {
      workers: 1,
      args: [b.handle, total, 3000],
      timeoutMs: 120_000,
    });
    let bytes = 0;
    let sum = 0;
    let ok = 0;
    for await (const chunk of a.readable as unknown as AsyncIterable<Uint8Array>) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === ((bytes + i) * 7) % 256) ok++;
      sum = checksum(chunk, sum);
      bytes += chunk.length;
    }
    expect(await writing).toEqual([total]);
    expect(bytes).toBe(total);
    expect(ok).toBe(total);
  }, 130_000);

  it("drops into stream.pipeline with gzip on one side and gunzip in the worker (Node Duplex)", async () => {
    const data = new Uint8Array(scaled(2_000_000));
    for (let i = 0; i < data.length; i++) data[i] = (i * i) >>> 3;
    const [a, b] = Pipe({ capacity: 8192 });
    const reading = runInWorkers<number[]>(scenarios, "gunzipFrom", {
      workers: 1,
      args: [b.handle],
      timeoutMs: 120_000,
    });
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 50_000)
      chunks.push(Buffer.from(data.subarray(at, at + 50_000)));
    await pipeline(Readable.from(chunks), createGzip(), toDuplex(a));
    expect(await reading).toEqual([[data.length, checksum(data)]]);
  }, 130_000);
});
