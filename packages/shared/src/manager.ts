/**
 * Manager: Python's `multiprocessing.Manager()` factory, so ported code reads
 * the same — but every object it makes lives in shared memory (no server
 * process, no proxies): `manager.dict()` is a SharedDict, `manager.Lock()` a
 * Lock from @sabkit/lock, and so on. Share them with workers through their
 * handles or Process/Pool args, exactly like objects made with `new`.
 *
 * `shutdown()` (or `await using manager = new Manager()`) closes the queues
 * it made and refuses further factory calls with a ClosedError; the shared
 * memory itself is freed when no worker references it any more.
 */

import { Barrier, type BarrierOptions } from "@sabkit/barrier";
import { ClosedError } from "@sabkit/core";
import { Event } from "@sabkit/event";
import { Condition, Lock, type LockOptions, RLock } from "@sabkit/lock";
import { JoinableQueue, Queue, type QueueOptions } from "@sabkit/queue";
import { BoundedSemaphore, Semaphore, type SemaphoreOptions } from "@sabkit/semaphore";
import type { DictKey } from "./keys.js";
import { Namespace } from "./namespace.js";
import { SharedArray } from "./shared-array.js";
import { SharedDict, type SharedDictOptions } from "./shared-dict.js";
import { SharedList, type SharedListOptions } from "./shared-list.js";
import type { ElementType, TypeCode, ValueOf } from "./types.js";
import { type SharedScalarOptions, Value } from "./value.js";

/**
 * @example
 * ```ts
 * await using manager = new Manager();
 * const d = manager.dict<string, number>();
 * const lock = manager.Lock();
 * ```
 */
export class Manager implements AsyncDisposable, Disposable {
  #closed = false;
  readonly #queues: Queue<unknown>[] = [];

  /** `true` after shutdown(). */
  get closed(): boolean {
    return this.#closed;
  }

  #check(what: string): void {
    if (this.#closed) {
      throw new ClosedError(`Manager.${what}(): the manager was shut down; make a new Manager`);
    }
  }

  dict<K extends DictKey = DictKey, V = unknown>(
    init?: Iterable<readonly [K, V]> | Record<K & string, V>,
    options?: SharedDictOptions<V>,
  ): SharedDict<K, V> {
    this.#check("dict");
    const entries =
      init === undefined || (typeof init === "object" && init !== null && Symbol.iterator in init)
        ? (init as Iterable<readonly [K, V]> | undefined)
        : (Object.entries(init as object) as unknown as [K, V][]);
    return new SharedDict<K, V>(entries, options);
  }

  list<T = unknown>(items?: Iterable<T>, options?: SharedListOptions<T>): SharedList<T> {
    this.#check("list");
    return new SharedList<T>(items, options);
  }

  Namespace<T extends Record<string, unknown> = Record<string, unknown>>(
    init?: Partial<T>,
  ): Namespace<T> {
    this.#check("Namespace");
    return new Namespace<T>(init);
  }

  Value<T extends ElementType | TypeCode>(
    type: T,
    initial?: ValueOf<T>,
    options?: SharedScalarOptions,
  ): Value<T> {
    this.#check("Value");
    return new Value(type, initial, options);
  }

  Array<T extends ElementType | TypeCode>(
    type: T,
    lengthOrItems: number | Iterable<ValueOf<T>>,
    options?: SharedScalarOptions,
  ): SharedArray<T> {
    this.#check("Array");
    return new SharedArray(type, lengthOrItems, options);
  }

  Lock(options?: LockOptions): Lock {
    this.#check("Lock");
    return new Lock(options);
  }

  RLock(options?: LockOptions): RLock {
    this.#check("RLock");
    return new RLock(options);
  }

  Condition(lock?: Lock | RLock): Condition {
    this.#check("Condition");
    return new Condition(lock);
  }

  Semaphore(value = 1, options?: SemaphoreOptions): Semaphore {
    this.#check("Semaphore");
    return new Semaphore(value, options);
  }

  BoundedSemaphore(value = 1, options?: SemaphoreOptions): BoundedSemaphore {
    this.#check("BoundedSemaphore");
    return new BoundedSemaphore(value, options);
  }

  Event(): Event {
    this.#check("Event");
    return new Event();
  }

  Barrier(parties: number, options?: BarrierOptions): Barrier {
    this.#check("Barrier");
    return new Barrier(parties, options);
  }

  /** Python's `Queue(maxsize)`: a number is the maxSize; or pass QueueOptions. */
  Queue<T = unknown>(maxSizeOrOptions?: number | QueueOptions<T>): Queue<T> {
    this.#check("Queue");
    const queue = new Queue<T>(queueOptions(maxSizeOrOptions));
    this.#queues.push(queue as Queue<unknown>);
    return queue;
  }

  JoinableQueue<T = unknown>(maxSizeOrOptions?: number | QueueOptions<T>): JoinableQueue<T> {
    this.#check("JoinableQueue");
    const queue = new JoinableQueue<T>(queueOptions(maxSizeOrOptions));
    this.#queues.push(queue as unknown as Queue<unknown>);
    return queue;
  }

  /** Closes the queues it made and refuses further factory calls. Idempotent. */
  shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const queue of this.#queues) queue.close();
    this.#queues.length = 0;
  }

  [Symbol.dispose](): void {
    this.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.shutdown();
  }
}

function queueOptions<T>(value: number | QueueOptions<T> | undefined): QueueOptions<T> | undefined {
  return typeof value === "number" ? { maxSize: value } : value;
}
