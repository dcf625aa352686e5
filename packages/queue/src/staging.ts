/**
 * The local buffers a Queue moves records through, outside its lock: a
 * Stage holds encoded records waiting to be copied into the ring, a Scratch
 * holds records copied out of it, to be decoded after the lock is released.
 * Both keep the ring's record format (record-ring.ts), so the critical
 * section is one or two memcpys. No shared memory here: these are per-thread.
 */
import type { Codec } from "@sabkit/core";
import { pad4, RECORD_HEADER_BYTES } from "./record-ring.js";

/** Bytes a buffer starts with. */
const INITIAL_BYTES = 1024;

/** A growable byte buffer viewed as bytes and as int32 words, lent to one call at a time. */
class RecordBuffer {
  bytes: Uint8Array = new Uint8Array(INITIAL_BYTES);
  i32: Int32Array = new Int32Array(this.bytes.buffer);
  /** Lent to a call now (a nested or async call then gets a buffer of its own). */
  busy = false;

  /** Returns the buffer after a call; drops its memory when an unusual batch grew it past twice the ring. */
  release(ringBytes: number): void {
    this.busy = false;
    if (this.bytes.length > Math.max(1 << 20, 2 * ringBytes))
      this.replaceBytes(new Uint8Array(INITIAL_BYTES));
  }

  protected replaceBytes(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.i32 = new Int32Array(bytes.buffer);
  }
}

/**
 * `owned` when it is free, else a new buffer (for a call that overlaps
 * another: an async call, or a codec that calls back into the queue).
 */
export function borrow<B extends RecordBuffer>(owned: B, Make: new () => B): B {
  const buffer = owned.busy ? new Make() : owned;
  buffer.busy = true;
  return buffer;
}

/**
 * Encoded records waiting to be copied into the ring, in the ring's format.
 * One per queue object for synchronous calls; async calls get their own.
 * It is also the sink of `codec.encodeInto` (`bytes`, `position`).
 */
export class Stage extends RecordBuffer {
  /** Where `codec.encodeInto` appends (the payload of the record being added). */
  position = 0;
  /** ends[k] = byte end of record k. */
  ends = new Int32Array(64);
  records = 0;
  /** First record not yet in the ring. */
  next = 0;

  reset(): void {
    this.records = 0;
    this.next = 0;
  }

  byteEnd(): number {
    return this.records === 0 ? 0 : (this.ends[this.records - 1] as number);
  }

  /** Byte start of the first record not yet in the ring. */
  nextStart(): number {
    return this.next === 0 ? 0 : (this.ends[this.next - 1] as number);
  }

  /** Bytes of the first record not yet in the ring (what must fit before a put can go on). */
  nextRecordBytes(): number {
    return (this.ends[this.next] as number) - this.nextStart();
  }

  /** Makes `bytes` at least `size` long, keeping its first `keep` bytes. */
  grow(size: number, keep: number): void {
    if (size <= this.bytes.length) return;
    let grown = Math.max(INITIAL_BYTES, this.bytes.length * 2);
    while (grown < size) grown *= 2;
    const bytes = new Uint8Array(grown);
    bytes.set(this.bytes.subarray(0, keep));
    this.replaceBytes(bytes);
  }

  /** Encodes `item` as the next record: straight into `bytes` when the codec has `encodeInto`. */
  encode<T>(codec: Codec<T>, item: T, capacity: number, what: string): void {
    if (codec.encodeInto === undefined) {
      this.add(codec.encode(item), capacity, what);
      return;
    }
    const start = this.byteEnd();
    const at = start + RECORD_HEADER_BYTES;
    this.grow(at, start);
    this.position = at;
    const before = this.bytes;
    try {
      codec.encodeInto(item, this);
    } finally {
      // The codec may have replaced `bytes` (grown), even when it threw.
      if (this.bytes !== before) this.adopt(codec.name, what);
    }
    const end = this.position;
    if (!(Number.isInteger(end) && end >= at && end <= this.bytes.length)) {
      throw new TypeError(
        `${what}: codec "${codec.name}".encodeInto left sink.position at ${end}, outside [${at}, ${this.bytes.length}]: ` +
          "it must advance sink.position past what it wrote; fix the codec, or drop its encodeInto",
      );
    }
    this.record(start, end - at, capacity, what);
  }

  /** Views `bytes` through `i32` again after `encodeInto` replaced it; a TypeError when the codec broke it. */
  adopt(codecName: string, what: string): void {
    const bytes = this.bytes as unknown;
    if (bytes instanceof Uint8Array && bytes.byteOffset === 0) {
      if (bytes.buffer !== this.i32.buffer)
        this.i32 = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
      return;
    }
    this.replaceBytes(new Uint8Array(INITIAL_BYTES));
    throw new TypeError(
      `${what}: codec "${codecName}".encodeInto set sink.bytes to something other than a Uint8Array from ` +
        "offset 0 of its buffer; fix the codec, or drop its encodeInto",
    );
  }

  add(payload: Uint8Array, capacity: number, what: string): void {
    const start = this.byteEnd();
    const length = payload.length;
    this.grow(start + RECORD_HEADER_BYTES + pad4(length), start);
    this.bytes.set(payload, start + RECORD_HEADER_BYTES);
    this.record(start, length, capacity, what);
  }

  /** Seals the record at `start` whose `length` payload bytes follow its length word. */
  record(start: number, length: number, capacity: number, what: string): void {
    const recordBytes = RECORD_HEADER_BYTES + pad4(length);
    if (recordBytes > capacity) {
      throw new RangeError(
        `${what}: the message encodes to ${length} bytes, so its record needs ${recordBytes} bytes ` +
          `(4 + length rounded up to 4), but the queue's ring holds ${capacity} bytes; ` +
          "create the queue with a larger capacity, or send the data in smaller parts",
      );
    }
    const end = start + recordBytes;
    // The padding after the payload must be inside `bytes` too (the ring copy takes whole records).
    this.grow(end, start + RECORD_HEADER_BYTES + length);
    if (this.records === this.ends.length) {
      const grown = new Int32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.i32[start >> 2] = length;
    this.ends[this.records++] = end;
  }
}

/** Records copied out of the ring, decoded after the lock is released. */
export class Scratch extends RecordBuffer {
  /** Makes `bytes` at least `size` long (its content is overwritten next). */
  ensure(size: number): void {
    if (size <= this.bytes.length) return;
    let grown = this.bytes.length * 2;
    while (grown < size) grown *= 2;
    this.replaceBytes(new Uint8Array(grown));
  }
}
