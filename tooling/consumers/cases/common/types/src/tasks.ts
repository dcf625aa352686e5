// A task module, as Pool<typeof import("./tasks.js")> reads it.
export default function square(x: number): number {
  return x * x;
}

export { square };
