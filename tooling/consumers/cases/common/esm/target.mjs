// The processes' module. It imports nothing from sabkit: the Lock and the
// Queue arrive live in the arguments (Process revives them, importing their
// packages by name where this module did not).

export function add(lock, counter, times) {
  for (let i = 0; i < times; i++) {
    const held = lock.acquire({ timeout: 10_000 });
    counter[0] = counter[0] + 1; // a plain read-modify-write, safe only under the lock
    held.release();
  }
}

export function cubes(queue, n) {
  for (let i = 1; i <= n; i++) queue.put(i ** 3);
  queue.close(); // the consumer drains, then its loop ends
}
