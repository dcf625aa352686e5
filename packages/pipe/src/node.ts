/**
 * @sabkit/pipe/node: a Node `stream.Duplex` over a Connection, for
 * `stream.pipeline`, `zlib`, `fs` streams. Node only: this entry imports
 * `node:stream`; the main entry does not, so browser bundles stay clean.
 *
 * @example
 * ```ts
 * import { pipeline } from "node:stream/promises";
 * import { toDuplex } from "@sabkit/pipe/node";
 * await pipeline(fs.createReadStream("in.bin"), toDuplex(a));   // the worker reads b
 * ```
 *
 * @packageDocumentation
 */
import { Duplex, type DuplexOptions } from "node:stream";
import type { Connection } from "./connection.js";

/**
 * A Node Duplex stream over `connection`: what is written is sent (one
 * message per chunk, with the ring's backpressure); what is read is what the
 * peer sends (one chunk per message). Ending the writable side half-closes
 * the connection (`closeSend`); the readable side ends when the peer closes.
 * Built with `Duplex.fromWeb` from the connection's WHATWG streams.
 */
export function toDuplex(
  connection: Connection<unknown>,
  options?: Pick<
    DuplexOptions,
    "allowHalfOpen" | "decodeStrings" | "encoding" | "highWaterMark" | "objectMode" | "signal"
  >,
): Duplex {
  return Duplex.fromWeb(
    { readable: connection.readable, writable: connection.writable } as never,
    options,
  );
}
