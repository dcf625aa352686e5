/** What the engine logs per operation: a numeric signature and its kinds. */

/**
 * An operation's signature, as a number (no string built per operation):
 * `kind * 2^44 + buffer * 2^32 + byteIndex` (exact in a double). A replay
 * compares signatures to catch a thread that does not re-run the same way.
 */
export const OP_KINDS = [
  "read",
  "write",
  "load",
  "store",
  "add",
  "sub",
  "and",
  "or",
  "xor",
  "exchange",
  "compareExchange",
  "wait",
  "notify",
  "yield",
  "now",
  "waitAsync",
  "await",
] as const;
export type OpKind = (typeof OP_KINDS)[number];
const KIND_CODES = new Map<string, number>(OP_KINDS.map((kind, code) => [kind, code]));

/** The signature of operation `kind` on byte `byteIndex` of tracked buffer `buffer`. */
export function opSig(kind: OpKind, buffer = 0, byteIndex = 0): number {
  return KIND_CODES.get(kind)! * 2 ** 44 + buffer * 2 ** 32 + byteIndex;
}

/** The code of `kind` for {@link sigOf} (look it up once, outside the hot path). */
export function kindCode(kind: OpKind): number {
  return KIND_CODES.get(kind)!;
}

/** {@link opSig} from a kind code. */
export function sigOf(code: number, buffer: number, byteIndex: number): number {
  return code * 2 ** 44 + buffer * 2 ** 32 + byteIndex;
}

export function describeSig(sig: number): string {
  const code = Math.floor(sig / 2 ** 44);
  const rest = sig - code * 2 ** 44;
  const buffer = Math.floor(rest / 2 ** 32);
  const at = rest - buffer * 2 ** 32;
  return `${OP_KINDS[code] ?? "?"}(b${buffer} byte ${at})`;
}

/** Returned by {@link Engine.enter} when the operation must be performed (not replayed). */
export const LIVE: unique symbol = Symbol("sabkit explorer: live operation");
