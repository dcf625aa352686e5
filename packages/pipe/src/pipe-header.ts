/**
 * The pipe's own shared memory: one header both ends attach to, naming the
 * rings that carry each direction.
 *
 * Shared layout of the pipe header (int32 words; both ends attach to it):
 *
 * | word | field       | legal values                                     | written by         |
 * |------|-------------|--------------------------------------------------|--------------------|
 * | 0    | tag         | the "pipe-connection" kind's type tag            | Pipe(), once       |
 * | 1    | duplex      | 1 duplex (two rings), 0 one-way (one ring)       | Pipe(), once       |
 * | 2    | capacity    | 1..2^30: bytes of each ring                      | Pipe(), once       |
 * | 3    | closedEnds  | bit 0: end 0 closed, bit 1: end 1 closed         | each end's close() |
 *
 * The rings' own layouts are documented in `@sabkit/queue`'s ring-buffer.ts.
 *
 * Written once by Pipe() before any handle exists; each end checks it
 * against its handle on attach (shared memory is untrusted).
 */
import type { Handle } from "@sabkit/core";
import { InvalidHandleError } from "@sabkit/core";
import { allocate, defineKind, defineLayout, type HandleKind } from "@sabkit/core/internal";
import { RingBuffer, type RingBufferHandle } from "@sabkit/queue";

export const PIPE_HEADER = defineLayout({
  tag: "int32",
  duplex: "int32",
  capacity: "int32",
  closedEnds: "int32",
});
const P = PIPE_HEADER.fields;
export const DUPLEX = P.duplex.index;
export const PIPE_CAPACITY = P.capacity.index;
export const CLOSED_ENDS = P.closedEnds.index;
/** Default bytes per ring (per direction). */
export const DEFAULT_PIPE_CAPACITY = 64 * 1024;
/** Largest ring capacity in bytes. */
export const MAX_PIPE_CAPACITY = 2 ** 30;

/** The handle of one end of a pipe. */
export interface ConnectionHandle extends Handle<"pipe-connection"> {
  /** 0 for the first end Pipe() returned, 1 for the second. */
  readonly end: 0 | 1;
  readonly duplex: boolean;
  /** Bytes of each ring. */
  readonly capacity: number;
  /** The codec's name. */
  readonly codec: string;
  /** The ring this end receives from (`null` on a one-way pipe's writer). */
  readonly incoming: RingBufferHandle | null;
  /** The ring this end sends into (`null` on a one-way pipe's reader). */
  readonly outgoing: RingBufferHandle | null;
}

export const PIPE_KIND: HandleKind<ConnectionHandle> = defineKind<ConnectionHandle>({
  kind: "pipe-connection",
  // 2: 8-byte frame headers and frames padded to a multiple of 8 (1 had 4-byte headers).
  version: 2,
  package: "@sabkit/pipe",
  layout: PIPE_HEADER,
});

/** What one end attaches to: the header's words and its rings. */
export interface PipeEnd {
  readonly header: Int32Array;
  /** The ring this end receives from (`null` on a one-way pipe's writer). */
  readonly incoming: RingBuffer<Uint8Array> | null;
  /** The ring this end sends into (`null` on a one-way pipe's reader). */
  readonly outgoing: RingBuffer<Uint8Array> | null;
}

/** The two ends' handles of a new pipe (its header and rings made and initialized). */
export function createPipe(
  duplex: boolean,
  capacity: number,
  codecName: string,
): [ConnectionHandle, ConnectionHandle] {
  const buffer = allocate(PIPE_HEADER);
  const header = new Int32Array(buffer);
  header[DUPLEX] = duplex ? 1 : 0;
  header[PIPE_CAPACITY] = capacity;
  PIPE_KIND.writeTag(header); // before any handle exists
  // ring0: end 1 -> end 0 (end 0 receives); ring1: end 0 -> end 1.
  const toEnd0 = new RingBuffer(Uint8Array, capacity).handle;
  const toEnd1 = duplex ? new RingBuffer(Uint8Array, capacity).handle : null;
  const region = { buffer, byteOffset: 0, byteLength: PIPE_HEADER.byteLength };
  const common = { duplex, capacity, codec: codecName };
  // Duplex: end 0 reads toEnd0 and writes toEnd1, end 1 the reverse.
  // One-way: end 0 (the reader) reads toEnd0, end 1 (the writer) writes it.
  const h0 = PIPE_KIND.makeHandle(region, {
    ...common,
    end: 0,
    incoming: toEnd0,
    outgoing: toEnd1,
  });
  const h1 = PIPE_KIND.makeHandle(region, {
    ...common,
    end: 1,
    incoming: toEnd1,
    outgoing: toEnd0,
  });
  return [h0, h1];
}

/**
 * Attaches to the pipe end of a validated handle: checks its fields against
 * the shared header and attaches its rings.
 *
 * @throws InvalidHandleError naming the field that does not match.
 */
export function attachEnd(handle: ConnectionHandle, what: string): PipeEnd {
  const { end, duplex, capacity } = handle;
  if (end !== 0 && end !== 1) {
    throw new InvalidHandleError(`${what}: handle.end must be 0 or 1, got ${String(end)}`);
  }
  if (typeof duplex !== "boolean") {
    throw new InvalidHandleError(`${what}: handle.duplex must be a boolean`);
  }
  if (
    typeof capacity !== "number" ||
    !Number.isInteger(capacity) ||
    capacity < 1 ||
    capacity > MAX_PIPE_CAPACITY
  ) {
    throw new InvalidHandleError(
      `${what}: handle.capacity must be an integer in [1, 2^30], got ${String(capacity)}`,
    );
  }
  // Region and type tag, in one call.
  const header = PIPE_KIND.attachHandle(handle, what);
  // Written once by Pipe() before the handle existed; read once here.
  const sharedDuplex = Atomics.load(header, DUPLEX);
  const sharedCapacity = Atomics.load(header, PIPE_CAPACITY);
  if (sharedDuplex !== (duplex ? 1 : 0) || sharedCapacity !== capacity) {
    throw new InvalidHandleError(
      `${what}: the handle says duplex=${duplex}, capacity=${capacity} but the shared header says ` +
        `duplex=${sharedDuplex}, capacity=${sharedCapacity}: the handle was altered or the memory overwritten`,
    );
  }
  const incoming = attachRing(
    handle.incoming,
    duplex || end === 0,
    capacity,
    `${what} (handle.incoming)`,
  );
  const outgoing = attachRing(
    handle.outgoing,
    duplex || end === 1,
    capacity,
    `${what} (handle.outgoing)`,
  );
  return { header, incoming, outgoing };
}

function attachRing(
  handle: RingBufferHandle | null | undefined,
  wanted: boolean,
  capacity: number,
  what: string,
): RingBuffer<Uint8Array> | null {
  if (!wanted) {
    if (handle !== null) {
      throw new InvalidHandleError(`${what}: must be null for this end of a one-way pipe`);
    }
    return null;
  }
  if (handle === null || handle === undefined) {
    throw new InvalidHandleError(`${what}: this end needs a ring handle, got ${String(handle)}`);
  }
  const ring = RingBuffer.from<Uint8Array>(handle);
  if (ring.elementType !== Uint8Array || ring.capacity !== capacity) {
    throw new InvalidHandleError(
      `${what}: expected a Uint8Array ring of ${capacity} bytes, got ${ring.elementType.name} × ${ring.capacity}`,
    );
  }
  return ring;
}
