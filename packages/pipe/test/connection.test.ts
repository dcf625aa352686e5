import {
  AbortError,
  bytesCodec,
  ClosedError,
  type Codec,
  InvalidHandleError,
  jsonCodec,
  revive,
  share,
  TimeoutError,
} from "@sabkit/core";
import { RingBuffer } from "@sabkit/queue";
import { describe, expect, it } from "vitest";
import { Connection, Pipe } from "../src/index.js";
import { PIPE_CAPACITY } from "../src/internal.js";

describe("a Pipe carries values and bytes through its codec", () => {
  it("round-trips structured values both ways (duplex)", () => {
    const [a, b] = Pipe();
    const value = {
      n: 1,
      big: 2n ** 70n,
      when: new Date(5),
      map: new Map([["k", [1, 2]]]),
      neg: -0,
    };
    a.send(value);
    expect(b.recv()).toEqual(value);
    b.send("back");
    expect(a.recv()).toBe("back");
  });

  it("keeps order across many messages larger than the ring (async forms, one thread)", async () => {
    const [a, b] = Pipe({ capacity: 16 });
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) sent.push("x".repeat(i * 3) + i);
    const sending = (async () => {
      for (const text of sent) await a.sendAsync(text, { timeout: 5000 });
    })();
    const got: unknown[] = [];
    for (let i = 0; i < sent.length; i++) got.push(await b.recvAsync({ timeout: 5000 }));
    await sending;
    expect(got).toEqual(sent);
  });

  it("recvBytes(maxLength) too small is a RangeError and the message stays for the next receive", () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint8Array([1, 2, 3, 4, 5]));
    a.sendBytes(new Uint8Array([9]));
    expect(() => b.recvBytes(4)).toThrow(RangeError);
    expect(() => b.recvBytes(4)).toThrow(/5 bytes, longer than maxLength \(4\)/);
    const small = new Uint8Array(3);
    expect(() => b.recvBytesInto(small)).toThrow(RangeError);
    expect(Array.from(b.recvBytes(5))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(b.recvBytes())).toEqual([9]);
  });

  it("recvBytesInto writes at the offset, returns the length, and refuses a message that does not fit", () => {
    const [a, b] = Pipe();
    const into = new Uint8Array(8).fill(0xee);
    a.sendBytes(new Uint8Array([1, 2, 3]));
    expect(b.recvBytesInto(into, 5)).toBe(3);
    expect(Array.from(into)).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 1, 2, 3]);
    a.sendBytes(new Uint8Array([4, 5]));
    expect(() => b.recvBytesInto(into, 7)).toThrow(RangeError); // 1 byte of room for 2
    expect(() => b.recvBytesInto(into, 9)).toThrow(RangeError); // offset past the end
    expect(() => b.recvBytesInto(into, -1)).toThrow(RangeError);
    expect(() => b.recvBytesInto(into, 1.5)).toThrow(RangeError);
    expect(b.recvBytesInto(into, 6)).toBe(2);
    expect(Array.from(into.subarray(6))).toEqual([4, 5]);
    // Any view or ArrayBuffer; a Float64Array counts bytes.
    a.sendBytes(new Uint8Array([7, 7, 7, 7, 7, 7, 7, 7]));
    const f64 = new Float64Array(2);
    expect(b.recvBytesInto(f64, 8)).toBe(8);
    expect(new Uint8Array(f64.buffer, 8)).toEqual(new Uint8Array(8).fill(7));
  });

  it("sendBytes takes offset and size in bytes of any view, and empty messages", () => {
    const [a, b] = Pipe();
    const u16 = new Uint16Array([0x0201, 0x0403, 0x0605]);
    a.sendBytes(u16, 2, 3);
    a.sendBytes(new ArrayBuffer(0));
    a.sendBytes(new Uint8Array([1, 2]), 2);
    expect(Array.from(b.recvBytes())).toEqual([3, 4, 5]);
    expect(b.recvBytes().length).toBe(0);
    expect(b.recvBytes().length).toBe(0);
    expect(() => a.sendBytes(u16, 4, 3)).toThrow(RangeError);
    expect(() => a.sendBytes(u16, 7)).toThrow(RangeError);
    expect(() => a.sendBytes("abc" as never)).toThrow(TypeError);
    expect(() => a.sendBytes(u16, Number.NaN)).toThrow(RangeError);
  });

  it("uses the codec given to Pipe; a custom codec must be passed again to from()", () => {
    const upper: Codec<string> = {
      name: "test.upper",
      encode: (v) => new TextEncoder().encode(v.toUpperCase()),
      decode: (bytes) => new TextDecoder().decode(bytes),
    };
    const [a, b] = Pipe({ codec: upper });
    a.send("hi");
    expect(b.recv()).toBe("HI");
    expect(() => Connection.from(a.handle)).toThrow(InvalidHandleError);
    expect(() => Connection.from(a.handle, { codec: jsonCodec as never })).toThrow(
      InvalidHandleError,
    );
    const again = Connection.from(b.handle, { codec: upper });
    a.send("yo");
    expect(again.recv()).toBe("YO");
    const [c, d] = Pipe({ codec: bytesCodec });
    c.send(new Uint8Array([1]));
    expect(Connection.from<Uint8Array>(d.handle).recv()).toEqual(new Uint8Array([1]));
    const [e, f] = Pipe({ codec: jsonCodec });
    e.send({ a: [1] });
    expect(f.recv()).toEqual({ a: [1] });
    expect(() => e.send((() => 1) as never)).toThrow();
    e.send("after a failed encode");
    expect(f.recv()).toBe("after a failed encode");
  });
});

describe("a wait on a Connection ends in time and loses nothing", () => {
  it("poll is false without data, true with data or at end of stream", async () => {
    const [a, b] = Pipe();
    expect(b.poll()).toBe(false);
    expect(b.poll(10)).toBe(false);
    expect(await b.pollAsync(10)).toBe(false);
    a.send(1);
    expect(b.poll()).toBe(true);
    expect(b.poll()).toBe(true);
    expect(b.recv()).toBe(1);
    a.close();
    expect(b.poll()).toBe(true);
    expect(() => b.recv()).toThrow(ClosedError);
    expect(() => b.poll(-1)).toThrow(RangeError);
    expect(() => b.poll(Number.NaN)).toThrow(RangeError);
    expect(() => b.poll("5" as never)).toThrow(RangeError);
  });

  it("recv times out with TimeoutError, then receives what comes later", async () => {
    const [a, b] = Pipe();
    expect(() => b.recv({ timeout: 0 })).toThrow(TimeoutError);
    expect(() => b.recvBytes(undefined, { timeout: 5 })).toThrow(TimeoutError);
    await expect(b.recvAsync({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    a.send("late");
    expect(b.recv({ timeout: 0 })).toBe("late");
    expect(() => b.recv({ timeout: -1 })).toThrow(RangeError);
  });

  it("a send that times out half way keeps the rest: the receiver still gets the whole message, then the next", () => {
    const [a, b] = Pipe({ capacity: 32 });
    const big = new Uint8Array(100).map((_, i) => i);
    expect(() => a.sendBytes(big, 0, 100, { timeout: 1 })).toThrow(/partly sent/);
    big.fill(0); // the caller may reuse its buffer: the rest was copied
    const received: number[][] = [];
    let sent = false;
    for (let round = 0; round < 50 && received.length < 2; round++) {
      if (!sent) {
        try {
          a.sendBytes(new Uint8Array([42]), 0, 1, { timeout: 1 });
          sent = true;
        } catch (error) {
          expect(error).toBeInstanceOf(TimeoutError);
        }
      }
      try {
        received.push(Array.from(b.recvBytes(undefined, { timeout: 1 })));
      } catch (error) {
        expect(error).toBeInstanceOf(TimeoutError); // partial body kept for the next call
      }
    }
    expect(sent).toBe(true);
    expect(received).toEqual([Array.from({ length: 100 }, (_, i) => i), [42]]);
  });

  it("an async send aborted half way keeps the rest: the next send finishes it before its own message", async () => {
    const [a, b] = Pipe({ capacity: 32 });
    const big = new Uint8Array(100).map((_, i) => i);
    const controller = new AbortController();
    const pending = a.sendBytesAsync(big, 0, 100, { signal: controller.signal });
    controller.abort("stop");
    await expect(pending).rejects.toMatchObject({ name: "AbortError", cause: "stop" });
    big.fill(0); // the caller may reuse its buffer: the rest was copied
    const next = a.sendBytesAsync(new Uint8Array([42]), 0, 1, { timeout: 10_000 });
    const first = await b.recvBytesAsync(undefined, { timeout: 10_000 });
    await next;
    const second = await b.recvBytesAsync(undefined, { timeout: 10_000 });
    expect([Array.from(first), Array.from(second)]).toEqual([
      Array.from({ length: 100 }, (_, i) => i),
      [42],
    ]);
  });

  it("a send that cannot start sends nothing", () => {
    const [a, b] = Pipe({ capacity: 16 });
    a.sendBytes(new Uint8Array(5)); // fills the 16-byte ring (8 header + 5 + 3 padding)
    expect(() => a.sendBytes(new Uint8Array([1]), 0, 1, { timeout: 1 })).toThrow(/not sent/);
    expect(b.recvBytes().length).toBe(5);
    expect(b.poll()).toBe(false);
  });

  it("trySend and tryRecv return at once: false or { ok: false } when the ring has no room or no whole message", () => {
    const [a, b] = Pipe({ capacity: 32 });
    expect(b.tryRecv()).toEqual({ ok: false });
    expect(b.tryRecvBytes()).toBeUndefined();
    expect(a.trySend("abc")).toBe(true); // a 16-byte frame: 8 header + the encoding + padding
    expect(a.trySendBytes(new Uint8Array(12))).toBe(false); // no room for 8 + 12 + 4 more bytes now
    expect(b.tryRecv()).toEqual({ ok: true, value: "abc" });
    expect(a.trySendBytes(new Uint8Array(12))).toBe(true);
    expect(b.tryRecvBytes(12)?.length).toBe(12);
    expect(a.trySendBytes(new Uint8Array(24))).toBe(true); // exactly 32 bytes
    expect(b.tryRecvBytes()?.length).toBe(24);
    expect(() => a.trySendBytes(new Uint8Array(25))).toThrow(RangeError); // 8 + 25 + 7 never fits at once
  });

  it("an aborted recvAsync rejects with AbortError and the pipe stays usable", async () => {
    const [a, b] = Pipe();
    const controller = new AbortController();
    const pending = b.recvAsync({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    a.send(7);
    expect(await b.recvAsync({ timeout: 1000 })).toBe(7);
  });
});

describe("a Connection refuses what it cannot do", () => {
  it("after close() the peer drains what was sent, then gets ClosedError; sends to a closed peer and any use after close throw ClosedError", async () => {
    const [a, b] = Pipe();
    a.send(1);
    a.send(2);
    a.close();
    a.close(); // idempotent
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    expect(b.recv()).toBe(1);
    expect(b.recv()).toBe(2);
    expect(() => b.recv()).toThrow(ClosedError);
    await expect(b.recvAsync()).rejects.toBeInstanceOf(ClosedError);
    expect(() => b.send(3)).toThrow(ClosedError);
    expect(() => a.send(3)).toThrow(ClosedError);
    expect(() => a.recv()).toThrow(/close\(\) was called/);
  });

  it("closeSend half-closes: the peer reads to the end while replies still flow back", () => {
    const [a, b] = Pipe();
    a.send("last");
    a.closeSend();
    expect(() => a.send("more")).toThrow(ClosedError);
    expect(b.recv()).toBe("last");
    expect(() => b.recv()).toThrow(ClosedError);
    b.send("reply");
    expect(a.recv()).toBe("reply");
  });

  it("a one-way pipe gives [reader, writer], and each end refuses the other's direction", () => {
    const [reader, writer] = Pipe({ duplex: false });
    writer.send("one way");
    expect(reader.recv()).toBe("one way");
    expect(() => reader.send(1)).toThrow(TypeError);
    expect(() => writer.recv()).toThrow(TypeError);
    expect(() => writer.poll()).toThrow(TypeError);
    expect(() => reader.writable).toThrow(TypeError);
    expect(Connection.from(reader.handle).handle.outgoing).toBeNull();
  });

  it("an end shared with share() and revived with revive() talks to its peer (as Process and Pool args do)", () => {
    const [a, b] = Pipe<number>();
    const tree = share({ conn: b });
    const revived = revive<{ conn: Connection<number> }>(structuredClone(tree));
    a.send(5);
    expect(revived.conn).toBeInstanceOf(Connection);
    expect(revived.conn.recv()).toBe(5);
  });

  it("bad Pipe options are a TypeError or RangeError", () => {
    for (const capacity of [0, -1, Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY, "8"]) {
      expect(() => Pipe({ capacity: capacity as number })).toThrow(RangeError);
    }
    expect(() => Pipe({ duplex: "yes" as never })).toThrow(TypeError);
    expect(() => Pipe({ codec: {} as never })).toThrow(TypeError);
    expect(() => Pipe(null as never)).toThrow(TypeError);
    const [a] = Pipe();
    expect(() => a.recvBytes(-1)).toThrow(RangeError);
    expect(() => a.send(1, { timeout: Number.NaN })).toThrow(RangeError);
  });

  it("rejects wrong handles with InvalidHandleError", () => {
    const [a] = Pipe();
    const h = a.handle;
    const bad = (patch: object) => () => Connection.from({ ...h, ...patch });
    expect(bad({ kind: "queue" })).toThrow(InvalidHandleError);
    expect(bad({ version: 1 })).toThrow(InvalidHandleError); // the 4-byte-header layout
    expect(bad({ end: 2 })).toThrow(InvalidHandleError);
    expect(bad({ capacity: 1 })).toThrow(InvalidHandleError);
    expect(bad({ buffer: new ArrayBuffer(64) })).toThrow(InvalidHandleError);
    expect(bad({ buffer: new SharedArrayBuffer(64) })).toThrow(InvalidHandleError); // no tag
    expect(bad({ byteLength: 4 })).toThrow(InvalidHandleError);
    expect(bad({ incoming: null })).toThrow(InvalidHandleError);
    expect(bad({ incoming: new RingBuffer(Float64Array, 8).handle })).toThrow(InvalidHandleError);
    expect(bad({ codec: "" })).toThrow(InvalidHandleError);
    expect(() => Connection.from(null)).toThrow(InvalidHandleError);
    expect(() => Connection.from(new RingBuffer(Uint8Array, 8).handle)).toThrow(InvalidHandleError);
    // The shared header disagrees with the handle (overwritten memory).
    const [c] = Pipe();
    new Int32Array(c.handle.buffer)[PIPE_CAPACITY] = 12;
    expect(() => Connection.from(c.handle)).toThrow(InvalidHandleError);
  });

  it("a corrupted frame length is an InvalidHandleError, not a hang", () => {
    const [a, b] = Pipe<number>({ capacity: 64 });
    // Write a negative length where the next frame header goes.
    const ring = RingBuffer.from<Uint8Array>(a.handle.outgoing);
    ring.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    expect(() => b.recv()).toThrow(InvalidHandleError);
    // Nonzero reserved header bytes are corruption too.
    const [c, d] = Pipe<number>({ capacity: 64 });
    RingBuffer.from<Uint8Array>(c.handle.outgoing).push(new Uint8Array([1, 0, 0, 0, 0, 7, 0, 0]));
    expect(() => d.recv()).toThrow(/reserved bytes/);
  });
});
