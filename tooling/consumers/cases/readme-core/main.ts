// Drives the README's TinyLock as its last block shows: share it, revive it
// (as a worker would receive it), and see both handles exclude each other.
import { revive, share, TimeoutError } from "@sabkit/core";
import { TinyLock } from "./tiny-lock.ts";

const lock = new TinyLock();
const revived = revive<{ lock: TinyLock }>(structuredClone(share({ lock }))).lock;
console.log(`revived kind: ${revived.handle.kind}`);

const held = lock.acquire({ timeout: 1000 });
try {
  revived.acquire({ timeout: 20 }).release();
  console.log("second acquire while held: acquired (no exclusion)");
} catch (error) {
  console.log(
    `second acquire while held: ${error instanceof TimeoutError ? "TimeoutError" : error}`,
  );
}
held.release();
revived.acquire({ timeout: 1000 }).release();
console.log("after release: acquired through the revived lock");
