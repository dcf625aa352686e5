// Targets of the Process cases (plain JavaScript, as users ship them).
export function first(i32) {
  Atomics.store(i32, 0, 1); // publishes "running"; pairs with the bench's waitAsync
  Atomics.notify(i32, 0);
}

export function empty() {}
