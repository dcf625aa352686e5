/**
 * Typed-array constructors by type code, 1 to 11 (0 is no type). The codes
 * are stored in shared memory and on the wire (structuredCodec's view
 * records, RingBuffer's header), so this order never changes.
 */
export const TYPED_ARRAY_TYPES = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
