/**
 * What a live thread of the runtime tree is doing and what it is called: the
 * wait-for table (deadlock detectors walk thread -> lock it waits for ->
 * owner -> …) and the name table (what a DeadlockError calls a thread). Both
 * are words of the runtime buffer, whose layout, invariants and slots are
 * described at the top of runtime.ts: WAIT_LOCK[s] / WAIT_OWNER[s] and
 * NAME_LENGTH[s] / NAME[s] describe the identity in SLOT_OWNER[s] only while
 * it holds the slot.
 */
import {
  IDENTITY_LIMIT,
  NAME_MAX_BYTES,
  NAME_WORDS,
  nameWord,
  ownerWord,
  ROOT_IDENTITY,
  runtimeOf,
  threadState,
  waitWord,
} from "./runtime.js";

/**
 * Publishes that this thread is about to wait for the lock whose key is
 * `lockKey` (a non-zero int32), currently held by `owner`, for deadlock
 * detectors in any thread of the tree (see {@link waitingFor}). Call it
 * again when the owner changes; {@link clearWaitingFor} when the wait ends.
 * Returns `false` (and publishes nothing) for a thread outside the
 * runtime's identity range (a fallback identity), whose waits cannot be
 * seen by others.
 *
 * @example
 * ```ts
 * if (setWaitingFor(lockKey, owner)) { const w = waitingFor(owner); ... }
 * ```
 */
export function setWaitingFor(lockKey: number, owner: number): boolean {
  const current = threadState();
  if (current.identity >= IDENTITY_LIMIT) return false;
  const { i32, mask } = runtimeOf(current);
  const word = waitWord(mask + 1, current.identity & mask);
  // Owner first, then the lock: a reader that sees the new lock key sees an
  // owner at least as new (the pair may still mix two waits; see the header).
  Atomics.store(i32, word + 1, owner | 0);
  // Publishes the wait; pairs with the loads in waitingFor.
  Atomics.store(i32, word, lockKey | 0);
  return true;
}

/** Ends what {@link setWaitingFor} published (no-op when nothing was). */
export function clearWaitingFor(): void {
  const current = threadState();
  const runtime = current.runtime;
  if (runtime === undefined || current.identity >= IDENTITY_LIMIT) return;
  const word = waitWord(runtime.mask + 1, current.identity & runtime.mask);
  // Pairs with the load of WAIT_LOCK in waitingFor: 0 = not waiting.
  Atomics.store(runtime.i32, word, 0);
}

/**
 * The slot of `identity` when it is a live thread of this tree, else
 * `undefined` (anything that is not such an identity included: never throws).
 * A slot's wait and name words describe the identity only while it holds the
 * slot (see the invariants), which the caller re-checks after reading them
 * where a reuse in between matters.
 */
function liveSlot(identity: number): { i32: Int32Array; mask: number; slot: number } | undefined {
  const runtime = threadState().runtime;
  if (
    runtime === undefined ||
    typeof identity !== "number" ||
    !Number.isInteger(identity) ||
    identity < ROOT_IDENTITY ||
    identity >= IDENTITY_LIMIT
  ) {
    return undefined;
  }
  const slot = identity & runtime.mask;
  // Pairs with the spawner's store of the identity (published after the slot's other words).
  if (Atomics.load(runtime.i32, ownerWord(slot)) !== identity) return undefined;
  return { i32: runtime.i32, mask: runtime.mask, slot };
}

/**
 * What the live thread `identity` of this tree is waiting for, as it last
 * published with {@link setWaitingFor}: `{ lockKey, owner }`, or
 * `undefined` when it is not waiting, is not alive, or is not in this tree.
 * Never throws (ids read from shared memory can be passed as they are).
 */
export function waitingFor(identity: number): { lockKey: number; owner: number } | undefined {
  const live = liveSlot(identity);
  if (live === undefined) return undefined;
  const { i32, mask, slot } = live;
  const word = waitWord(mask + 1, slot);
  // Pairs with the stores in setWaitingFor (lock key last).
  const lockKey = Atomics.load(i32, word);
  if (lockKey === 0) return undefined;
  return { lockKey, owner: Atomics.load(i32, word + 1) };
}

/**
 * The name the live thread `identity` of this tree was given when it was
 * spawned (`spawnChild(name)`; a Process passes its `name`), cut to
 * NAME_MAX_BYTES of UTF-8; `undefined` when it has none, is not alive, or is
 * not in this tree. Never throws.
 */
export function threadName(identity: number): string | undefined {
  const live = liveSlot(identity);
  if (live === undefined) return undefined;
  const { i32, mask, slot } = live;
  // (liveSlot saw the identity: its name was written before it was published, see spawnChild.)
  const word = nameWord(mask + 1, slot);
  const length = Atomics.load(i32, word);
  if (length <= 0 || length > NAME_MAX_BYTES) return undefined;
  // Word by word with Atomics.load (ordered before the owner re-check below, which a plain
  // read is not on weakly ordered CPUs), into a private copy (TextDecoder refuses shared memory).
  const words = new Int32Array(NAME_WORDS - 1);
  for (let k = 0; k < words.length; k++) words[k] = Atomics.load(i32, word + 1 + k);
  const bytes = new Uint8Array(words.buffer, 0, length);
  // The slot was not freed and reused while we copied (the name would be another's).
  if (Atomics.load(i32, ownerWord(slot)) !== identity) return undefined;
  return new TextDecoder().decode(bytes);
}
