/**
 * Namespace: an attribute-style shared record (Python's `Manager().Namespace()`).
 *
 * It is a SharedDict with string keys under its own kind (same layout, see
 * store.ts and shared-dict.ts). Attributes are read and written with
 * `ns.get("x")` / `ns.set("x", v)` — explicit method calls, not a Proxy, so
 * `ns.x` is never silently a local property and types stay checkable.
 * `toObject()` gives a consistent plain-object snapshot.
 */
import type { Shareable, WaitOptions } from "@sabkit/core";
import { attachOptions, registerKind } from "./core-internal.js";
import {
  DictBase,
  NAMESPACE_KIND,
  type SharedDictHandle,
  type SharedDictOptions,
} from "./shared-dict.js";

/**
 * @example
 * ```ts
 * const ns = new Namespace({ epoch: 0, best: null });
 * ns.set("epoch", 1);
 * ns.get("epoch"); // 1
 * ```
 */
export class Namespace<T extends Record<string, unknown> = Record<string, unknown>>
  extends DictBase<string, unknown>
  implements Shareable<SharedDictHandle>
{
  static {
    registerKind(NAMESPACE_KIND.kind, { from: (handle) => Namespace.from(handle) });
  }

  /** @param init initial attributes. */
  constructor(init?: Partial<T>, options?: SharedDictOptions<unknown>) {
    if (init !== undefined && (init === null || typeof init !== "object")) {
      throw new TypeError("new Namespace(init): init must be an object of attributes");
    }
    super(
      NAMESPACE_KIND,
      "Namespace",
      init === undefined ? undefined : Object.entries(init),
      options,
    );
  }

  /** Revives a Namespace from its handle (in any worker). */
  static from<T extends Record<string, unknown> = Record<string, unknown>>(
    handle: unknown,
  ): Namespace<T> {
    const attach = attachOptions(NAMESPACE_KIND.validate(handle, "Namespace.from(handle)"));
    // A namespace's codec is always the default: no codec to pass.
    return new Namespace<T>(undefined, { ...attach, codec: undefined });
  }

  /**
   * The attribute `name`, or undefined. The async and try forms are the
   * dict's (`getAsync`, `tryGet`, `setAsync`, `trySet`, …).
   */
  override get<N extends keyof T & string>(name: N, options?: WaitOptions): T[N] | undefined {
    return super.get(name, options) as T[N] | undefined;
  }

  /** Sets the attribute `name`. */
  override set<N extends keyof T & string>(name: N, value: T[N], options?: WaitOptions): this {
    return super.set(name, value, options);
  }

  /** A consistent snapshot of every attribute as a plain object. */
  toObject(): Partial<T> {
    return Object.fromEntries(this.snapshot()) as Partial<T>;
  }
}
