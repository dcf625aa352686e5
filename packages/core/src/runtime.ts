/**
 * Thread identities and the liveness table: what owner-death detection
 * (robust locks, OwnerDiedError) stands on.
 *
 * Every thread has an identity: a number that is never 0, fits in an int32
 * (a lock stores it as its owner word) and is unique across the threads of
 * one runtime tree. The root thread (the Node main thread, a browser window)
 * is identity 1 and creates the runtime buffer below when it first spawns a
 * child. A worker started through the runtime (by @sabkit/test-utils,
 * @sabkit/process, @sabkit/pool — anything that calls `spawnChild()`) gets
 * its identity allocated *by its parent*, before it starts, and marked alive;
 * when the parent sees it exit (for any reason: return, throw,
 * `process.exit`, `terminate()`, out of memory) it marks it dead and bumps
 * `DEATH_EPOCH`. So "alive" is exact for every thread of the tree, from before
 * its first instruction to after its last.
 *
 * ## Runtime buffer (Int32Array words)
 *
 * | index        | field          | legal values                          | written by                                   |
 * |--------------|----------------|---------------------------------------|----------------------------------------------|
 * | 0            | TAG            | RUNTIME_TAG                           | creator, once, before the buffer is shared   |
 * | 1            | VERSION        | RUNTIME_VERSION (3)                   | creator, once                                |
 * | 2            | NEXT_IDENTITY  | any (a uint32 counter that wraps)     | every spawner (Atomics.add)                  |
 * | 3            | DEATH_EPOCH    | any (wraps); +1 per recorded death    | every exit recorder (Atomics.add + notify)   |
 * | 4            | SLOT_COUNT     | a power of two, SLOT_COUNT            | creator, once                                |
 * | 5            | ROOT_IDENTITY  | identity of the creator               | creator, once                                |
 * | 6..7         | reserved       | 0                                     | nobody                                       |
 * | 8 + 2s       | SLOT_OWNER[s]  | 0 free, RESERVED, or a live identity  | spawner (CAS 0 -> RESERVED, store identity), |
 * |              |                |                                       | exit recorder (CAS identity -> 0)            |
 * | 8 + 2s + 1   | SLOT_PARENT[s] | identity of the spawner (valid while  | spawner, while the slot is RESERVED          |
 * |              |                | SLOT_OWNER[s] is an identity)         |                                              |
 * | W + 2s       | WAIT_LOCK[s]   | 0 not waiting, or the key of the lock | the thread of slot s (its own waits), and    |
 * |              |                | the thread of slot s waits for        | its spawner (zeroed while RESERVED)          |
 * | W + 2s + 1   | WAIT_OWNER[s]  | the owner it last saw of that lock    | same                                         |
 * | N + 8s       | NAME_LENGTH[s] | 0 no name, 1..NAME_MAX_BYTES          | spawner, while the slot is RESERVED          |
 * | N + 8s + 1.. | NAME[s]        | that many bytes of UTF-8 (7 words)    | spawner, while the slot is RESERVED          |
 *
 * where `W = 8 + 2 * SLOT_COUNT` (the wait-for table, added in version 2:
 * deadlock detectors walk thread -> lock it waits for -> owner -> …) and
 * `N = W + 2 * SLOT_COUNT` (the name table, added in version 3: what a
 * DeadlockError calls a thread, e.g. the name of its Process).
 *
 * Identity -> slot: `identity & (SLOT_COUNT - 1)`.
 *
 * ## Identities
 *
 * - `1`: the root thread.
 * - `[2, 2^30)`: allocated from NEXT_IDENTITY (`2 + counter % (2^30 - 2)`);
 *   an identity whose slot is still held by a live identity is skipped.
 * - `[2^30, 2^31)`: fallback identities of threads that inherited no runtime
 *   and are not a root (a plain `new Worker` not started through sabkit):
 *   `2^30 + threadId` on Node, random in browsers. Their liveness is unknown.
 *
 * ## Invariants
 *
 * - An identity `id` in `[1, 2^30)` is alive exactly when
 *   `SLOT_OWNER[id & mask] === id`; so `isThreadAlive` is one load.
 * - SLOT_PARENT[s] and NAME[s] are written only while SLOT_OWNER[s] is
 *   RESERVED, so a reader that sees an identity in SLOT_OWNER[s] also sees
 *   its parent and its name (a reader checks the owner again after copying
 *   the name: a slot reused meanwhile is seen).
 * - A slot goes free only by CAS from the identity that holds it, so an
 *   exit is recorded once even when the parent's exit handler and the
 *   descendant sweep race.
 * - WAIT_LOCK[s] / WAIT_OWNER[s] describe the thread in SLOT_OWNER[s] only
 *   while that identity is alive: they are zeroed before a new identity is
 *   published in the slot, and `waitingFor(id)` reads them only after
 *   checking that SLOT_OWNER[id & mask] === id. The two words are written
 *   separately (owner, then lock), so a reader may see a pair mixing two
 *   waits: detectors confirm a cycle twice before acting on it.
 * - A dying thread takes its descendants with it (Node and browsers end
 *   nested workers with their parent, and the parent's exit handlers for
 *   them never run): recording an exit also records the exits of every live
 *   slot whose parent is the dead identity, transitively.
 *
 * ## Limits
 *
 * Owner-death detection covers threads started through the runtime only. A
 * plain `new Worker` (or one started by another library) has a fallback
 * identity whose liveness is unknown (`isThreadAlive` returns `undefined`).
 * Such a thread that spawns children through sabkit becomes the root of a
 * separate tree whose identity counter starts at a random point: identities
 * of two trees may collide, so share primitives that record owners (locks)
 * within one tree. At most SLOT_COUNT threads of a tree are alive at once.
 */
import { notify } from "@sabkit/atomics-sync-polyfill";
import { hasNodeApis, tryNodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";
import { InvalidHandleError, SabkitError } from "./errors.js";

/** Slice in ms that waiters sleep between liveness checks (see {@link deathEpoch}). */
export const LIVENESS_POLL_MS = 25;

/** Identity of the root thread (Node main thread, browser window). */
export const ROOT_IDENTITY = 1;
/** Identities allocated through the runtime are below this bound; fallbacks are at or above it. */
export const IDENTITY_LIMIT = 2 ** 30;
const FIRST_CHILD_IDENTITY = 2;

/** `"sabk"` in ASCII: the first word of every runtime buffer. */
export const RUNTIME_TAG = 0x7361626b;
/** 2: the wait-for table after the slots; 3: the name table after it. */
export const RUNTIME_VERSION = 3;
/** Liveness slots per runtime: the most threads of one tree alive at once. */
export const SLOT_COUNT = 4096;

/** Word indices of the runtime header (see the table above). */
export const RUNTIME_WORDS = {
  TAG: 0,
  VERSION: 1,
  NEXT_IDENTITY: 2,
  DEATH_EPOCH: 3,
  SLOT_COUNT: 4,
  ROOT_IDENTITY: 5,
  SLOTS: 8,
} as const;
const { TAG, VERSION, NEXT_IDENTITY, DEATH_EPOCH, SLOTS } = RUNTIME_WORDS;
/** SLOT_OWNER value while a spawner fills in SLOT_PARENT. */
const RESERVED = -1;

/** Words per slot of the name table: the byte length, then NAME_MAX_BYTES bytes. */
export const NAME_WORDS = 8;
/** Longest thread name kept, in UTF-8 bytes (longer names are cut at a character boundary). */
export const NAME_MAX_BYTES = (NAME_WORDS - 1) * 4;

/** Byte length of a runtime buffer with `slotCount` slots (liveness, wait-for and name tables). */
export function runtimeByteLength(slotCount = SLOT_COUNT): number {
  return (SLOTS + (4 + NAME_WORDS) * slotCount) * 4;
}

/**
 * Word index of SLOT_OWNER[slot]; SLOT_PARENT[slot] is the word after it.
 * Here and below, `slot` is always a slot number in [0, SLOT_COUNT) (an
 * identity's is `identity & mask`) and a `…Word` is a word index into the
 * runtime buffer.
 */
export function ownerWord(slot: number): number {
  return SLOTS + 2 * slot;
}

/** Word index of SLOT_PARENT[slot]. */
function parentWord(slot: number): number {
  return ownerWord(slot) + 1;
}

/** Word index of NAME_LENGTH[slot] in a runtime with `slotCount` slots. */
export function nameWord(slotCount: number, slot: number): number {
  return SLOTS + 4 * slotCount + NAME_WORDS * slot;
}

/** `name` as UTF-8, cut to NAME_MAX_BYTES at a character boundary. */
function nameBytes(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= NAME_MAX_BYTES) return bytes;
  let end = NAME_MAX_BYTES;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** Word index of WAIT_LOCK[slot] in a runtime with `slotCount` slots. */
export function waitWord(slotCount: number, slot: number): number {
  return SLOTS + 2 * slotCount + 2 * slot;
}

/** What a spawned child needs (structured-cloneable): the runtime buffer and its identity. */
export interface RuntimeData {
  readonly tag: "sabkit.runtime";
  readonly version: number;
  readonly buffer: SharedArrayBuffer;
  readonly identity: number;
}

/** A child allocated by {@link spawnChild}. */
export interface SpawnedChild {
  /** Send this to the child (it adopts it before user code runs). */
  readonly data: RuntimeData;
  /** The child's identity. */
  readonly identity: number;
  /**
   * Call once when the child has exited, for whatever reason: marks it (and
   * any descendants still marked alive) dead and bumps the death epoch.
   * Later calls do nothing.
   */
  onExit(exitCode?: number): void;
}

export interface Runtime {
  readonly i32: Int32Array;
  readonly mask: number;
  /** The identity of the thread that created the runtime (1 for the real root). */
  readonly rootIdentity: number;
}

export interface ThreadState {
  readonly identity: number;
  /** Created lazily (a root or fallback thread creates it when it first spawns). */
  runtime: Runtime | undefined;
  /** Whether a runtime this thread creates hands out identities from 2 (true for the root). */
  readonly root: boolean;
}

const STATE_KEY = Symbol.for("sabkit.runtime.state");
const INHERITED_KEY = Symbol.for("sabkit.runtime.inherited");
const SPAWN_HOOK = Symbol.for("sabkit.runtime.spawn");

type Scope = Record<symbol, unknown>;

/**
 * This thread's identity and runtime (thread-tables.ts reads them too). The
 * state lives on globalThis so that every copy of @sabkit/core loaded in one
 * thread (two versions, source and build) agrees on the identity.
 */
export function threadState(): ThreadState {
  const scope = globalThis as unknown as Scope;
  let current = scope[STATE_KEY] as ThreadState | undefined;
  if (current === undefined) {
    const inherited = scope[INHERITED_KEY];
    current =
      inherited !== undefined
        ? adoptedState(inherited)
        : isRootThread()
          ? { identity: ROOT_IDENTITY, runtime: undefined, root: true }
          : { identity: fallbackIdentity(), runtime: undefined, root: false };
    Object.defineProperty(globalThis, STATE_KEY, { value: current, configurable: true });
  }
  return current;
}

function adoptedState(data: unknown): ThreadState {
  const { runtime, identity } = checkRuntimeData(data);
  return { identity, runtime, root: false };
}

/**
 * Validates runtime data received from a parent. The buffer is untrusted:
 * every header word used later (SLOT_COUNT) is read once and checked here.
 */
function checkRuntimeData(data: unknown): { runtime: Runtime; identity: number } {
  const what = "sabkit runtime data inherited from the parent thread";
  if (data === null || typeof data !== "object") {
    throw new InvalidHandleError(
      `${what} must be an object from spawnChild().data, got ${typeof data}`,
    );
  }
  const { tag, version, buffer, identity } = data as Partial<RuntimeData>;
  if (tag !== "sabkit.runtime" || version !== RUNTIME_VERSION) {
    throw new InvalidHandleError(
      `${what} has tag ${String(tag)} version ${String(version)}; expected "sabkit.runtime" version ` +
        `${RUNTIME_VERSION}: the parent and the worker load different versions of @sabkit/core — use one`,
    );
  }
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < runtimeByteLength(1)) {
    throw new InvalidHandleError(`${what}: buffer must be a runtime SharedArrayBuffer`);
  }
  const i32 = new Int32Array(buffer);
  // Written once by the creator before the buffer was first sent; the
  // postMessage that carried it orders those stores before these loads.
  const slotCount = Atomics.load(i32, RUNTIME_WORDS.SLOT_COUNT);
  const rootIdentity = Atomics.load(i32, RUNTIME_WORDS.ROOT_IDENTITY);
  if (
    Atomics.load(i32, TAG) !== RUNTIME_TAG ||
    Atomics.load(i32, VERSION) !== RUNTIME_VERSION ||
    rootIdentity < ROOT_IDENTITY ||
    slotCount < 1 ||
    (slotCount & (slotCount - 1)) !== 0 ||
    buffer.byteLength < runtimeByteLength(slotCount)
  ) {
    throw new InvalidHandleError(`${what}: the runtime buffer's header is corrupted`);
  }
  if (
    typeof identity !== "number" ||
    !Number.isInteger(identity) ||
    identity < FIRST_CHILD_IDENTITY ||
    identity >= IDENTITY_LIMIT
  ) {
    throw new InvalidHandleError(
      `${what}: identity must be an integer in [2, 2^30), got ${String(identity)}`,
    );
  }
  return { runtime: { i32, mask: slotCount - 1, rootIdentity }, identity };
}

interface NodeWorkerThreads {
  isMainThread: boolean;
  threadId: number;
}

function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  return tryNodeBuiltin<NodeWorkerThreads>("node:worker_threads");
}

function isRootThread(): boolean {
  const threads = nodeWorkerThreads();
  if (threads !== undefined) return threads.isMainThread;
  // Node without process.getBuiltinModule (< 20.16) cannot tell: not a root.
  if (hasNodeApis()) return false;
  const scope = globalThis as { WorkerGlobalScope?: Function };
  return !(
    typeof scope.WorkerGlobalScope === "function" && globalThis instanceof scope.WorkerGlobalScope
  );
}

function fallbackIdentity(): number {
  const threads = nodeWorkerThreads();
  if (threads !== undefined) return IDENTITY_LIMIT + (threads.threadId % IDENTITY_LIMIT);
  return IDENTITY_LIMIT + randomBelow(IDENTITY_LIMIT);
}

function randomBelow(bound: number): number {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (crypto?.getRandomValues) return crypto.getRandomValues(new Uint32Array(1))[0]! % bound;
  return Math.floor(Math.random() * bound);
}

function createRuntime(owner: ThreadState): Runtime {
  const buffer = new SharedArrayBuffer(runtimeByteLength(SLOT_COUNT));
  const i32 = new Int32Array(buffer);
  // Header stores: this thread is the only one that knows the buffer; the
  // postMessage that first sends it publishes them.
  Atomics.store(i32, TAG, RUNTIME_TAG);
  Atomics.store(i32, VERSION, RUNTIME_VERSION);
  Atomics.store(i32, RUNTIME_WORDS.SLOT_COUNT, SLOT_COUNT);
  Atomics.store(i32, RUNTIME_WORDS.ROOT_IDENTITY, owner.identity);
  // A non-root tree starts its counter at a random point, making collisions
  // with another tree's identities unlikely (not impossible; see Limits).
  Atomics.store(i32, NEXT_IDENTITY, owner.root ? 0 : randomBelow(IDENTITY_LIMIT));
  const runtime: Runtime = { i32, mask: SLOT_COUNT - 1, rootIdentity: owner.identity };
  if (owner.identity < IDENTITY_LIMIT) {
    const slot = owner.identity & runtime.mask;
    // Not shared yet: plain ordering suffices; Atomics for uniformity.
    Atomics.store(i32, parentWord(slot), 0);
    Atomics.store(i32, ownerWord(slot), owner.identity);
  }
  return runtime;
}

/** The runtime of `current`, created on first use. */
export function runtimeOf(current: ThreadState): Runtime {
  if (current.runtime === undefined) current.runtime = createRuntime(current);
  return current.runtime;
}

/**
 * Whether the thread with identity `id` is alive: `true` / `false` for
 * identities of this runtime tree (and for the calling thread), `undefined`
 * when unknown (a fallback identity of a thread not started through sabkit,
 * 0, or anything that is not an int32 identity). Never throws: owner words
 * read from shared memory can be passed as they are.
 *
 * @example
 * ```ts
 * const owner = Atomics.load(i32, OWNER);
 * if (owner !== 0 && isThreadAlive(owner) === false) recoverFromDeadOwner();
 * ```
 */
export function isThreadAlive(id: number): boolean | undefined {
  const current = threadState();
  if (id === current.identity) return true;
  if (typeof id !== "number" || !Number.isInteger(id) || id < ROOT_IDENTITY) return undefined;
  if (id >= IDENTITY_LIMIT) return undefined;
  const runtime = current.runtime;
  if (runtime === undefined) {
    // No runtime yet: this thread inherited nothing and has spawned nobody.
    // The root knows its tree is just itself (handled above); a fallback
    // thread cannot know about anyone.
    return current.root ? false : undefined;
  }
  // A tree rooted at a fallback thread never hands out identity 1: the real
  // root, if any, is in another tree.
  if (id === ROOT_IDENTITY && runtime.rootIdentity !== ROOT_IDENTITY) return undefined;
  // Pairs with the identity store in spawnChild (alive) and the CAS to 0 in
  // recordExit (dead): one load decides.
  return Atomics.load(runtime.i32, ownerWord(id & runtime.mask)) === id;
}

/**
 * A counter that grows by one for every thread death recorded in this
 * runtime tree (0 when there is no runtime yet). A waiter that must notice a
 * dead owner reads it before sleeping and re-checks liveness only when it
 * changed; it sleeps at most {@link LIVENESS_POLL_MS} per slice.
 *
 * @example
 * ```ts
 * let seen = deathEpoch();
 * while (!tryLock()) {
 *   waitSync(i32, STATE, LOCKED, LIVENESS_POLL_MS);
 *   const now = deathEpoch();
 *   if (now !== seen) { seen = now; if (isThreadAlive(owner) === false) ... }
 * }
 * ```
 */
export function deathEpoch(): number {
  const runtime = threadState().runtime;
  // Pairs with the Atomics.add in recordExit.
  return runtime === undefined ? 0 : Atomics.load(runtime.i32, DEATH_EPOCH);
}

/**
 * The runtime's DEATH_EPOCH word, for waiters that want to sleep on it
 * (`waitAsync(i32, index, seen)` wakes when a thread dies), creating the
 * runtime if needed.
 */
export function deathEpochWord(): { readonly i32: Int32Array; readonly index: number } {
  return { i32: runtimeOf(threadState()).i32, index: DEATH_EPOCH };
}

/**
 * Allocates the identity of a child thread about to be started, marks it
 * alive, and returns what the child needs plus the exit callback. The
 * runtime buffer is created on first use.
 *
 * @throws SabkitError when SLOT_COUNT threads of this tree are already alive.
 * @example
 * ```ts
 * const child = spawnChild();
 * const worker = new Worker(url, { workerData: { runtime: child.data } });
 * worker.once("exit", (code) => child.onExit(code));
 * ```
 */
export function spawnChild(name?: string): SpawnedChild {
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`spawnChild(name): name must be a string or undefined, got ${typeof name}`);
  }
  const current = threadState();
  const { i32, mask } = runtimeOf(current);
  const span = IDENTITY_LIMIT - FIRST_CHILD_IDENTITY;
  for (let attempt = 0; attempt <= mask; attempt++) {
    // Hands out a distinct counter value to every spawner of the tree.
    const counter = Atomics.add(i32, NEXT_IDENTITY, 1) >>> 0;
    const identity = FIRST_CHILD_IDENTITY + (counter % span);
    const slot = identity & mask;
    // Claims a free slot; a slot held by a live identity (or being claimed)
    // is skipped, together with this identity.
    if (Atomics.compareExchange(i32, ownerWord(slot), 0, RESERVED) !== 0) continue;
    // Forget what a previous occupant of the slot was waiting for, before
    // the new identity is published (waitingFor reads only live slots).
    const wait = waitWord(mask + 1, slot);
    Atomics.store(i32, wait, 0);
    Atomics.store(i32, wait + 1, 0);
    // The new occupant's name (or none), published with the identity below.
    const named = nameWord(mask + 1, slot);
    const bytes = name === undefined ? new Uint8Array(0) : nameBytes(name);
    new Uint8Array(i32.buffer, (named + 1) * 4, NAME_MAX_BYTES).set(bytes);
    Atomics.store(i32, named, bytes.length);
    // Written while the slot is RESERVED: readers that see the identity
    // below also see this parent (the descendant sweep in recordExit).
    Atomics.store(i32, parentWord(slot), current.identity);
    // Publishes "identity is alive"; pairs with the load in isThreadAlive.
    Atomics.store(i32, ownerWord(slot), identity);
    let exited = false;
    return {
      identity,
      data: {
        tag: "sabkit.runtime",
        version: RUNTIME_VERSION,
        buffer: i32.buffer as SharedArrayBuffer,
        identity,
      },
      onExit: () => {
        if (exited) return;
        exited = true;
        recordExit(i32, mask, identity);
      },
    };
  }
  throw new SabkitError(
    `cannot start another worker: all ${mask + 1} liveness slots of the sabkit runtime hold live threads; ` +
      "end some workers first (or start fewer at once)",
  );
}

/**
 * Marks `identity` and, transitively, every live thread it spawned dead, then
 * bumps DEATH_EPOCH once per death and wakes everyone sleeping on it.
 */
function recordExit(i32: Int32Array, mask: number, identity: number): void {
  let deaths = 0;
  const dying = [identity];
  while (dying.length > 0) {
    const id = dying.pop()!;
    // Frees the slot only if it still holds id: an exit is recorded once
    // even when a parent's handler and a sweep race. Pairs with the load in
    // isThreadAlive (which now sees another value) and with the claim CAS in
    // spawnChild (which may now reuse the slot).
    if (Atomics.compareExchange(i32, ownerWord(id & mask), id, 0) !== id) continue;
    deaths++;
    for (let slot = 0; slot <= mask; slot++) {
      // An identity here was published after its parent word (see
      // spawnChild), so the parent load below belongs to it.
      const owner = Atomics.load(i32, ownerWord(slot));
      if (owner > 0 && Atomics.load(i32, parentWord(slot)) === id) dying.push(owner);
    }
  }
  if (deaths === 0) return;
  // Publishes the deaths to deathEpoch() readers (their next load sees the
  // new value after the slot CASes above) ...
  Atomics.add(i32, DEATH_EPOCH, deaths);
  // ... and wakes every waiter sleeping on DEATH_EPOCH (the wait layer's
  // notify also reaches this thread's polling waiters). Never blocks.
  notify(i32, DEATH_EPOCH);
}

/**
 * Adopts runtime data sent by a parent (for worker bootstraps other than
 * @sabkit/test-utils, which sets the inherited global instead). Call it
 * before anything in the worker uses the runtime (threadIdentity, locks,
 * spawning). Adopting the same data twice is a no-op.
 *
 * @throws SabkitError if this thread already has another identity;
 * InvalidHandleError for malformed data.
 */
export function adoptRuntime(data: unknown): void {
  const scope = globalThis as unknown as Scope;
  const current = scope[STATE_KEY] as ThreadState | undefined;
  const checked = checkRuntimeData(data);
  if (current !== undefined) {
    if (
      current.identity === checked.identity &&
      current.runtime?.i32.buffer === checked.runtime.i32.buffer
    ) {
      return;
    }
    throw new SabkitError(
      `adoptRuntime: this thread already uses identity ${current.identity}; ` +
        "call adoptRuntime before anything uses the runtime (threadIdentity, locks, spawning workers)",
    );
  }
  scope[INHERITED_KEY] = data;
  threadState();
}

// Parent side of the link with worker bootstraps (see
// tooling/test-utils/src/runtime-link.ts). One hook per thread, whichever
// copy of core loads first; it works on the shared per-thread state.
{
  const scope = globalThis as unknown as Scope;
  if (scope[SPAWN_HOOK] === undefined) {
    Object.defineProperty(globalThis, SPAWN_HOOK, {
      value: Object.freeze({ spawnChild }),
      configurable: true,
      writable: true,
    });
  }
}
