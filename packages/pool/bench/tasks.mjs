// Task module of the benchmark (plain JavaScript so every pool loads it the same way).
export function square(x) {
  return x * x;
}

/** CPU-bound: about n multiply-adds. */
export function busy(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + Math.imul(i, 2654435761)) % 1_000_003;
  return x;
}

// piscina and tinypool call the default export when no name is given.
export default square;
