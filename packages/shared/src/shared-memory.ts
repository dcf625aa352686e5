/**
 * SharedMemory: a named block of shared bytes (Python's
 * `multiprocessing.shared_memory.SharedMemory`).
 *
 * ## Shared layout (16-byte header, then `size` bytes of data)
 *
 * | byte | field    | legal values                               | written by                        |
 * |------|----------|--------------------------------------------|-----------------------------------|
 * | 0    | tag      | the SharedMemory kind tag                  | creator, once, before the handle  |
 * | 4    | unlinked | 0 = the name is live, 1 = unlinked         | whoever calls unlink() (store 1)  |
 * | 8    | size     | data bytes, = handle.size                  | creator, once                     |
 * | 16   | data     | the user's bytes (`buf`)                   | the user                          |
 *
 * ## Names across workers
 *
 * A SharedArrayBuffer reaches another thread only by being posted to it, so
 * a name cannot be looked up in shared memory alone. Each thread keeps the
 * blocks it created or attached by name; `SharedMemory.attach(name)` asks
 * every thread of the program over a BroadcastChannel (Node worker_threads
 * and browsers alike) and takes the first answer. So:
 *
 * - `attach` is async, and it is answered only by a thread whose event loop
 *   runs (a thread blocked in a synchronous wait cannot answer): it fails
 *   with a TimeoutError after `timeout` ms (default 5000) when nobody
 *   answers — the name does not exist, was unlinked, or its holders are busy.
 * - Sharing the handle (`shm.handle`, Process/Pool args, `SharedMemory.from`)
 *   is synchronous and always works.
 * - `create` checks the name against the blocks this thread knows; two
 *   threads creating the same name at once are not detected.
 * - `unlink()` stores `unlinked = 1` (Atomics) so no thread answers for the
 *   name any more; attached views keep working, as in Python.
 *
 * ## Resource tracker
 *
 * Each thread tracks the blocks it created and did not unlink.
 * `SharedMemory.leaked()` lists them, and in a Node main thread a warning
 * names them when the program exits (Python's resource_tracker warning).
 */

import { tryNodeBuiltin } from "@sabkit/atomics-sync-polyfill/internal";
import { type Handle, InvalidHandleError, type Shareable, TimeoutError } from "@sabkit/core";
import { validateCount, validateTimeout } from "@sabkit/core/internal";
import {
  type AttachOption,
  allocate,
  attach,
  attachedHandle,
  attachOptions,
  defineKind,
  defineLayout,
  describe,
  registerKind,
} from "./core-internal.js";

const SHM_LAYOUT = defineLayout({ tag: "int32", unlinked: "int32", size: "int32", pad: "int32" });
const HEADER = 16;
const UNLINKED = 1;
const SIZE = 2;
const CHANNEL = "sabkit.shared-memory";

export interface SharedMemoryHandle extends Handle<"shared-memory"> {
  readonly name: string;
  readonly size: number;
}

export const SHM_KIND = defineKind<SharedMemoryHandle>({
  kind: "shared-memory",
  version: 1,
  package: "@sabkit/shared",
  layout: SHM_LAYOUT,
});

// This thread's blocks by name (answers attach requests) and the ones it created.
const known = new Map<string, SharedMemoryHandle>();
const created = new Map<string, SharedMemoryHandle>();
let channel: BroadcastChannel | undefined;
let trackerInstalled = false;

function listen(): void {
  if (channel !== undefined || typeof BroadcastChannel !== "function") return;
  channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent) => {
    const message = event.data as { type?: unknown; name?: unknown; id?: unknown } | null;
    if (message?.type !== "attach" || typeof message.name !== "string") return;
    const handle = known.get(message.name);
    if (handle === undefined || isUnlinked(handle)) return;
    channel?.postMessage({ type: "block", id: message.id, handle });
  };
  // A listener must not keep a Node program alive.
  (channel as { unref?: () => void }).unref?.();
}

function isUnlinked(handle: SharedMemoryHandle): boolean {
  // Pairs with the Atomics.store in unlink().
  return Atomics.load(new Int32Array(handle.buffer, handle.byteOffset, 4), UNLINKED) === 1;
}

function installTracker(): void {
  if (trackerInstalled) return;
  trackerInstalled = true;
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (proc === undefined || typeof proc.on !== "function") return;
  // The environment module loads it through getBuiltinModule, not
  // import("node:worker_threads"): bundlers for browsers see no Node import.
  const threads = tryNodeBuiltin<typeof import("node:worker_threads")>("node:worker_threads");
  if (threads === undefined || !threads.isMainThread) return;
  proc.on("exit", () => {
    const names = SharedMemory.leaked();
    if (names.length > 0) {
      console.warn(
        `sabkit resource tracker: ${names.length} shared memory block(s) created and never unlinked: ` +
          `${names.join(", ")}; call unlink() when done`,
      );
    }
  });
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || name === "" || name.length > 255) {
    throw new TypeError(
      `${what}: name must be a non-empty string of at most 255 characters, got ${describe(name)}`,
    );
  }
  return name;
}

let nextId = 0;

/**
 * @example
 * ```ts
 * const shm = SharedMemory.create("frames", 1024);
 * shm.buf[0] = 7;
 * // in another worker (async: asked over a BroadcastChannel):
 * const same = await SharedMemory.attach("frames");
 * same.close(); shm.unlink();
 * ```
 */
export class SharedMemory implements Shareable<SharedMemoryHandle> {
  static {
    registerKind(SHM_KIND.kind, { from: (handle) => SharedMemory.from(handle) });
  }

  readonly handle: SharedMemoryHandle;
  /** The block's bytes. */
  readonly buf: Uint8Array;
  #closed = false;

  // Only attaches (creation is SharedMemory.create, which attaches to what it made).
  private constructor(options: AttachOption<SharedMemoryHandle>) {
    const handle = attachedHandle<SharedMemoryHandle>(options) as SharedMemoryHandle;
    const what = "SharedMemory.from(handle)";
    const i32 = SHM_KIND.attachHandle(handle, what);
    const size = i32[SIZE] as number;
    if (size !== handle.size || HEADER + size > handle.byteLength) {
      throw new InvalidHandleError(
        `${what}: the block holds size ${size} but the handle says ${handle.size} in ${handle.byteLength} bytes: a forged or corrupted handle`,
      );
    }
    this.handle = handle;
    this.buf = new Uint8Array(handle.buffer, handle.byteOffset + HEADER, size);
  }

  /**
   * Creates a named block of `size` zero bytes.
   *
   * @throws TypeError for a bad name; RangeError for a bad size; Error when this thread already knows the name.
   */
  static create(name: string, size: number): SharedMemory {
    checkName(name, "SharedMemory.create(name, size)");
    validateCount(size, "SharedMemory.create(name, size): size", { min: 1, max: 2 ** 31 - 64 });
    const existing = known.get(name);
    if (existing !== undefined && !isUnlinked(existing)) {
      throw new Error(
        `SharedMemory.create: a block named "${name}" exists; attach it, or unlink it first`,
      );
    }
    const byteLength = Math.ceil((HEADER + size) / 8) * 8;
    const region = attach(SHM_LAYOUT, allocate(byteLength), 0, byteLength);
    region.i32[SIZE] = size;
    SHM_KIND.writeTag(region.i32);
    const handle = SHM_KIND.makeHandle(region, { name, size });
    known.set(name, handle);
    created.set(name, handle);
    listen();
    installTracker();
    return SharedMemory.from(handle);
  }

  /**
   * Attaches the block named `name`, asking every thread over a BroadcastChannel.
   *
   * @throws TimeoutError when no thread answers within `timeout` ms (default 5000).
   */
  static async attach(name: string, options?: { timeout?: number }): Promise<SharedMemory> {
    checkName(name, "SharedMemory.attach(name)");
    const timeout = validateTimeout(options?.timeout ?? 5000, "SharedMemory.attach: timeout");
    const mine = known.get(name);
    if (mine !== undefined && !isUnlinked(mine)) return SharedMemory.from(mine);
    if (typeof BroadcastChannel !== "function") {
      throw new TypeError(
        "SharedMemory.attach: this platform has no BroadcastChannel: share the handle instead",
      );
    }
    const id = `${Math.random()}:${++nextId}`;
    const ask = new BroadcastChannel(CHANNEL);
    try {
      const handle = await new Promise<SharedMemoryHandle>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new TimeoutError(
                `SharedMemory.attach("${name}"): no thread answered within ${timeout} ms: the name does not exist, ` +
                  "was unlinked, or the threads holding it are blocked; share shm.handle instead",
              ),
            ),
          timeout,
        );
        ask.onmessage = (event: MessageEvent) => {
          const message = event.data as { type?: unknown; id?: unknown; handle?: unknown } | null;
          if (message?.type !== "block" || message.id !== id) return;
          clearTimeout(timer);
          resolve(SHM_KIND.validate(message.handle, "SharedMemory.attach"));
        };
        ask.postMessage({ type: "attach", name, id });
      });
      known.set(name, handle);
      listen();
      return SharedMemory.from(handle);
    } finally {
      ask.close();
    }
  }

  /**
   * Revives a block from its handle (synchronous; in any worker).
   *
   * @throws InvalidHandleError for a wrong kind, version, buffer, size or tag.
   */
  static from(handle: unknown): SharedMemory {
    return new SharedMemory(attachOptions(SHM_KIND.validate(handle, "SharedMemory.from(handle)")));
  }

  /** The blocks this thread created and has not unlinked (the resource tracker's list). */
  static leaked(): string[] {
    return [...created].filter(([, handle]) => !isUnlinked(handle)).map(([name]) => name);
  }

  get name(): string {
    return this.handle.name;
  }

  get size(): number {
    return this.handle.size;
  }

  /** Stops using the block from this object (the memory lives while any thread holds it). */
  close(): void {
    this.#closed = true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Removes the name: no later attach finds it; views already attached keep working. */
  unlink(): void {
    // Publishes the unlink to every thread's isUnlinked load.
    Atomics.store(new Int32Array(this.handle.buffer, this.handle.byteOffset, 4), UNLINKED, 1);
    if (known.get(this.name)?.buffer === this.handle.buffer) known.delete(this.name);
    if (created.get(this.name)?.buffer === this.handle.buffer) created.delete(this.name);
  }
}
