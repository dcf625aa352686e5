// A Process target: a Lock, a Queue and an Event arrive live (the worker
// entry, sabkit/worker, registered their kinds).
export async function child(lock, results, done, n) {
  for (let i = 0; i < n; i++) {
    const held = await lock.acquireAsync({ timeout: 10_000 });
    try {
      await results.putAsync(i * i);
    } finally {
      held.release();
    }
  }
  done.set();
}
