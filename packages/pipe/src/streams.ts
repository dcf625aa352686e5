/**
 * WHATWG streams over a Connection: `readable` yields each incoming message's
 * bytes as one chunk; `writable` sends each chunk as one message. Backpressure
 * comes from the ring: a write resolves once its bytes are in the ring, so a
 * full ring (a slow reader) holds `pipeTo` back. Both use only the async
 * forms, so they work on a browser main thread.
 */
import { ClosedError } from "@sabkit/core";
import type { Connection } from "./connection.js";

/** The readable side of `connection` (a byte stream: default and BYOB readers). */
export function makeReadable(connection: Connection<unknown>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      for (;;) {
        let chunk: Uint8Array;
        try {
          chunk = await connection.recvBytesAsync();
        } catch (error) {
          // End of stream: the peer closed (or half-closed) after everything it sent was read.
          if (error instanceof ClosedError) {
            controller.close();
            // A pending BYOB request must be answered with 0 bytes after close.
            controller.byobRequest?.respond(0);
            return;
          }
          throw error;
        }
        // A byte stream cannot carry an empty chunk: skip empty messages.
        if (chunk.length === 0) continue;
        controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
        return;
      }
    },
    cancel() {
      connection.closeReceive();
    },
  });
}

/** The writable side of `connection`: each chunk is one message; close() half-closes. */
export function makeWritable(
  connection: Connection<unknown>,
): WritableStream<Uint8Array | ArrayBufferView | ArrayBuffer> {
  return new WritableStream({
    async write(chunk) {
      await connection.sendBytesAsync(chunk);
    },
    close() {
      connection.closeSend();
    },
    abort() {
      connection.closeSend();
    },
  });
}
