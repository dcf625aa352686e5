/**
 * Where a primitive's shared words live, and the one way every primitive is
 * made: created in fresh memory or at a place the caller gives, or attached
 * to an existing one from its handle.
 *
 * - `new Lock()` allocates its own SharedArrayBuffer.
 * - `new Lock({ buffer, byteOffset })` places it in a region of a buffer the
 *   caller owns (`Lock.byteLength` bytes, aligned as `Lock.alignment` says),
 *   so thousands of primitives can share one buffer. The region is zeroed
 *   before the primitive initializes it.
 * - `Lock.from(handle)` validates the handle (kind, version, buffer, range,
 *   alignment, tag) and attaches: it calls the same constructor with
 *   {@link attachOptions}, an option keyed by a symbol no user can spell, so
 *   the constructor reads `attachedHandle(options)` and skips creation.
 *
 * @example
 * ```ts
 * export class Lock {
 *   static readonly byteLength = LAYOUT.byteLength;
 *   static readonly alignment = LAYOUT.alignment;
 *   constructor(options?: LockOptions & Placement) {
 *     const attached = attachedHandle<LockHandle>(options);
 *     this.handle = attached ?? createLock(placeRegion(LAYOUT, options, "new Lock(options)"), options);
 *   }
 *   static from(handle: unknown): Lock {
 *     return new Lock(attachOptions(KIND.validate(handle, "Lock.from(handle)")));
 *   }
 * }
 * ```
 */
import { InvalidHandleError } from "./errors.js";
import { allocate, attach, type Layout, type Region } from "./layout.js";
import { describe } from "./options.js";

/** Where a new primitive goes: its own memory (default), or `buffer` at `byteOffset`. */
export interface Placement {
  /** A buffer the caller owns; the primitive uses `byteLength` bytes of it from `byteOffset`. */
  buffer?: SharedArrayBuffer;
  /** The region's start in `buffer` (default 0), aligned as the class's `alignment` says. */
  byteOffset?: number;
}

const ATTACH: unique symbol = Symbol("sabkit.attach");

/** The option a class's `from` passes to its constructor: attach to this (validated) handle. */
export interface AttachOption<H> {
  readonly [ATTACH]: H;
}

/** Options that make a constructor attach to `handle` (already validated) instead of creating. */
export function attachOptions<H>(handle: H): AttachOption<H> {
  return { [ATTACH]: handle };
}

/** The handle `attachOptions` put in `options`, or undefined for a creation. */
export function attachedHandle<H>(options: unknown): H | undefined {
  if (options === null || typeof options !== "object") return undefined;
  return (options as Partial<AttachOption<H>>)[ATTACH];
}

/**
 * The region a new primitive of `layout` initializes: a fresh buffer, or the
 * caller's `buffer` at `byteOffset` (range and alignment checked, zeroed).
 *
 * @throws InvalidHandleError for a buffer that is not a SharedArrayBuffer, an
 * offset that is misaligned or out of range, or a region that does not fit;
 * TypeError for a `byteOffset` without a `buffer`.
 */
export function placeRegion(layout: Layout, options: unknown, what: string): Region {
  const placement = (options ?? {}) as Placement;
  if (placement.buffer === undefined) {
    if (placement.byteOffset !== undefined) {
      throw new TypeError(
        `${what}: byteOffset ${describe(placement.byteOffset)} was given without a buffer; ` +
          "pass the SharedArrayBuffer to place the primitive in, or neither",
      );
    }
    return attach(layout, allocate(layout), 0, layout.byteLength, what);
  }
  let region: Region;
  try {
    region = attach(layout, placement.buffer, placement.byteOffset ?? 0, layout.byteLength, what);
  } catch (error) {
    if (!(error instanceof InvalidHandleError)) throw error;
    throw new InvalidHandleError(
      `${error.message} (placing a new primitive needs ${layout.byteLength} bytes aligned to ${layout.alignment})`,
      { cause: error },
    );
  }
  // Nobody else uses the region yet (it is being created): plain writes are enough.
  new Uint8Array(region.buffer, region.byteOffset, region.byteLength).fill(0);
  return region;
}
