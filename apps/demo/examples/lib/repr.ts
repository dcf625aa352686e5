/**
 * Python's `repr`, `str` and `print` for the values the examples print, so a
 * TypeScript example prints exactly what its Python original prints:
 * `null`/`undefined` → `None`, booleans → `True`/`False`, strings in Python's
 * quotes, arrays as lists, Maps and plain objects as dicts.
 */

/** Python's `repr(value)`. */
export function repr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return reprNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return reprString(value);
  if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
  if (value instanceof Map) return reprDict(value.entries());
  if (typeof value === "object") return reprDict(Object.entries(value));
  throw new TypeError(`repr: no Python form for ${typeof value}`);
}

/** Python's `str(value)`: strings as they are, everything else as `repr`. */
export function str(value: unknown): string {
  return typeof value === "string" ? value : repr(value);
}

/** Python's `print(*values)`: `str` of each, separated by one space. */
export function print(...values: unknown[]): void {
  console.log(values.map(str).join(" "));
}

function reprDict(entries: Iterable<[unknown, unknown]>): string {
  const items: string[] = [];
  for (const [key, value] of entries) items.push(`${repr(key)}: ${repr(value)}`);
  return `{${items.join(", ")}}`;
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (Object.is(n, -0)) return "-0.0";
  // Both languages print the shortest round-tripping digits; Python pads the
  // exponent to two digits (1e-07).
  return String(n).replace(/e([+-])(\d)$/, "e$10$2");
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}
