/**
 * SimpleQueue: Python's `multiprocessing.SimpleQueue` — the Queue (same
 * shared layout, queue.ts) with no item bound and a large ring (16 MiB by
 * default, allocated lazily by the OS as it is touched), so that `put` rarely
 * waits. It is a Queue: every Queue method works, and it revives as a
 * SimpleQueue.
 */
import { attachOptions, registerKind } from "@sabkit/core/internal";
import { Queue, type QueueFromOptions, type QueueOptions, SIMPLE_QUEUE_KIND } from "./queue.js";

/** Default ring of a SimpleQueue: 16 MiB. */
export const SIMPLE_QUEUE_CAPACITY = 2 ** 24;

/**
 * An unbounded-feeling queue (Python's `SimpleQueue`): `put`, `get`, `empty`,
 * `close`, and everything else a Queue has.
 *
 * @example
 * ```ts
 * const results = new SimpleQueue<string>();
 * results.put("done");
 * results.get(); // "done"
 * ```
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  static {
    registerKind(SIMPLE_QUEUE_KIND.kind, { from: (handle) => SimpleQueue.from(handle) });
  }
  protected static override readonly kindSpec = SIMPLE_QUEUE_KIND;
  protected static override readonly defaultCapacity = SIMPLE_QUEUE_CAPACITY;

  /** A new, empty SimpleQueue: in its own memory, or placed at `{ buffer, byteOffset }` (`SimpleQueue.byteLength(options)` bytes). */
  constructor(options: Omit<QueueOptions<T>, "maxSize"> = {}) {
    super(options);
  }

  static override from<T = unknown>(
    handle: unknown,
    options?: QueueFromOptions<T>,
  ): SimpleQueue<T> {
    const valid = SIMPLE_QUEUE_KIND.validate(handle, "SimpleQueue.from(handle)");
    return new SimpleQueue<T>({ ...options, ...attachOptions(valid) });
  }
}
