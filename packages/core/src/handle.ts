/**
 * Handles: how a primitive travels to another worker.
 *
 * A handle is a plain, structured-cloneable object naming the primitive's
 * kind, its layout version, the npm package that defines it and the region of
 * shared memory it lives in, plus kind-specific fields (a capacity, …). The
 * receiver revives it with `Kind.from(handle)`, which validates it with
 * {@link HandleKind.validate} and the region's type tag with
 * {@link HandleKind.checkTag}.
 *
 * The type tag is the primitive's first shared word (its `tag` field at
 * offset 0). Its value is derived from the kind and the layout version, so
 * attaching to the wrong region — another primitive's memory, an
 * uninitialised buffer, an older layout — fails at once with an
 * InvalidHandleError instead of misreading memory.
 */
import { InvalidHandleError } from "./errors.js";
import { attach, checkRegion, type Layout, type Region } from "./layout.js";
import { describe } from "./options.js";

/**
 * The handle of a shared primitive: structured-cloneable, sent to workers
 * (`postMessage`, Process/Pool args) and revived there with `Kind.from`.
 *
 * @example
 * ```ts
 * worker.postMessage(lock.handle);                  // parent
 * const lock = Lock.from(message);                   // worker
 * ```
 */
export interface Handle<K extends string = string> {
  /** The primitive's kind, e.g. `"lock"`. */
  readonly kind: K;
  /** The version of its shared layout. */
  readonly version: number;
  /** The npm package that defines the kind (imported to revive it), e.g. `"@sabkit/lock"`. */
  readonly package: string;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/**
 * An object that can be shared with workers through its handle. `share` and
 * `revive` (and so Process and Pool arguments) turn such objects into handles
 * and back.
 */
export interface Shareable<H extends Handle = Handle> {
  readonly handle: H;
}

/** Describes a kind of primitive for {@link defineKind}. */
export interface KindSpec {
  /** Short, unique name, e.g. `"lock"`. */
  readonly kind: string;
  /** Version of the shared layout; bump it whenever the layout changes. */
  readonly version: number;
  /** The npm package that defines the kind, e.g. `"@sabkit/lock"`. */
  readonly package: string;
  /** The shared layout; its first field (offset 0) must be the int32 type tag. */
  readonly layout: Layout;
}

/**
 * The int32 type tag of `kind` at layout `version`: a 32-bit FNV-1a hash of
 * `"sabkit:<kind>@<version>"` with bit 30 set and bit 31 clear, so it is never
 * 0, negative or a small number (common contents of unused or corrupted
 * memory), and never 2^31 - 1.
 */
export function kindTag(kind: string, version: number): number {
  let hash = 0x811c9dc5;
  const text = `sabkit:${kind}@${version}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  let tag = (hash & 0x3fffffff) | 0x40000000;
  if (tag === 0x7fffffff) tag = 0x7ffffffe;
  return tag;
}

// Tags of every kind defined in this thread, to name what a wrong region holds.
const KNOWN_TAGS = new Map<number, string>();

/**
 * A kind of shared primitive: validates its handles, makes them, writes and
 * checks its type tag. Made once per primitive with {@link defineKind}.
 */
export class HandleKind<H extends Handle = Handle> {
  readonly kind: string;
  readonly version: number;
  readonly package: string;
  readonly layout: Layout;
  /** The type tag stored in the first shared word. */
  readonly tag: number;

  constructor(spec: KindSpec) {
    if (typeof spec.kind !== "string" || spec.kind === "") {
      throw new TypeError("defineKind: kind must be a non-empty string");
    }
    if (!Number.isInteger(spec.version) || spec.version < 1) {
      throw new RangeError(`defineKind(${spec.kind}): version must be an integer >= 1`);
    }
    const first = Object.values(spec.layout.fields)[0];
    if (first === undefined || first.type !== "int32" || first.byteOffset !== 0) {
      throw new TypeError(
        `defineKind(${spec.kind}): the layout's first field must be the int32 type tag at offset 0`,
      );
    }
    this.kind = spec.kind;
    this.version = spec.version;
    this.package = spec.package;
    this.layout = spec.layout;
    this.tag = kindTag(spec.kind, spec.version);
    KNOWN_TAGS.set(this.tag, `${spec.kind} (layout version ${spec.version}, ${spec.package})`);
  }

  /**
   * Makes the (frozen) handle of a primitive living in `region`, with
   * kind-specific `extra` fields.
   */
  makeHandle(
    region: Pick<Region, "buffer" | "byteOffset" | "byteLength">,
    extra?: Omit<H, keyof Handle>,
  ): H {
    return Object.freeze({
      ...extra,
      kind: this.kind,
      version: this.version,
      package: this.package,
      buffer: region.buffer,
      byteOffset: region.byteOffset,
      byteLength: region.byteLength,
    }) as unknown as H;
  }

  /**
   * Checks that `value` is a handle of this kind and version whose region is
   * a valid, in-bounds, aligned SharedArrayBuffer region at least as large as
   * the layout. Kind-specific fields are the caller's to check.
   *
   * @param what who is asking, for messages (default `"<kind>.from(handle)"`).
   * @throws InvalidHandleError naming the field, what it held and what was expected.
   */
  validate(value: unknown, what = `${this.kind}.from(handle)`): H {
    if (value === null || typeof value !== "object") {
      throw new InvalidHandleError(
        `${what}: expected a handle object (the .handle of a ${this.kind}), got ${describe(value)}`,
      );
    }
    const record = value as Record<string, unknown>;
    const kind = record.kind;
    if (kind !== this.kind) {
      const pkg = record.package;
      throw new InvalidHandleError(
        typeof kind === "string"
          ? `${what}: expected a handle of kind "${this.kind}", got kind "${kind}"` +
              (typeof pkg === "string"
                ? ` (defined by ${pkg}): revive it with that kind's from()`
                : "")
          : `${what}: handle.kind must be the string "${this.kind}", got ${describe(kind)}; is this a handle at all?`,
      );
    }
    const version = record.version;
    if (version !== this.version) {
      throw new InvalidHandleError(
        `${what}: handle.version is ${describe(version)} but this copy of ${this.package} reads layout version ` +
          `${this.version}; the sender and the receiver load different versions of ${this.package} — use one version`,
      );
    }
    checkRegion(record.buffer, record.byteOffset, record.byteLength, {
      alignment: this.layout.alignment,
      minByteLength: this.layout.byteLength,
      what,
      fieldPrefix: "handle.",
    });
    return value as H;
  }

  /**
   * Writes the type tag into `i32[index]` (the region's first word). Call it
   * when initialising a new primitive, before its handle is published.
   */
  writeTag(i32: Int32Array, index = 0): void {
    // Publishes the tag; receivers get it through the message that carries
    // the handle (postMessage happens after) and read it in checkTag.
    Atomics.store(i32, index, this.tag);
  }

  /**
   * The int32 view of the primitive a (validated) handle points at, after
   * checking its region against the layout and its type tag: what every
   * primitive's constructor does with its handle.
   *
   * @throws InvalidHandleError for a region that does not fit the layout or a wrong tag.
   */
  attachHandle(handle: H, what = `${this.kind}.from(handle)`): Int32Array {
    const { i32 } = attach(this.layout, handle.buffer, handle.byteOffset, handle.byteLength, what);
    this.checkTag(i32, 0, what);
    return i32;
  }

  /**
   * Checks that `i32[index]` holds this kind's type tag.
   *
   * @throws InvalidHandleError saying what the word holds (another kind's tag,
   * zero = uninitialised, or something else = not a sabkit primitive / corrupted).
   */
  checkTag(i32: Int32Array, index = 0, what = `${this.kind}.from(handle)`): void {
    // Pairs with the store in writeTag (read once).
    const found = Atomics.load(i32, index);
    if (found === this.tag) return;
    const where = `the word at byte ${i32.byteOffset + index * 4}`;
    const other = KNOWN_TAGS.get(found);
    let holds: string;
    if (other !== undefined) holds = `holds the tag of ${other}: this region is another primitive`;
    else if (found === 0) holds = "is 0: this region was never initialised as a primitive";
    else
      holds = `holds ${found}: this region is not a ${this.kind} (another layout version, not sabkit memory, or corrupted)`;
    throw new InvalidHandleError(
      `${what}: expected the ${this.kind} type tag ${this.tag} (layout version ${this.version}), but ${where} ${holds}`,
    );
  }
}

/**
 * Defines a kind of shared primitive (once, at module level).
 *
 * @example
 * ```ts
 * const LAYOUT = defineLayout({ tag: "int32", state: "int32", owner: "int32" });
 * const LOCK = defineKind({ kind: "lock", version: 1, package: "@sabkit/lock", layout: LAYOUT });
 * ```
 */
export function defineKind<H extends Handle = Handle>(spec: KindSpec): HandleKind<H> {
  return new HandleKind<H>(spec);
}
