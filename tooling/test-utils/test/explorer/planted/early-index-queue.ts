/**
 * PLANTED BUG (a test fixture): a single-producer single-consumer ring that
 * publishes the write index before the payload.
 *
 * | index | meaning                     | legal values | who writes it |
 * |-------|-----------------------------|--------------|---------------|
 * | 0     | WRITE: items ever written   | >= 0         | producer      |
 * | 1     | READ: items ever read       | >= 0         | consumer      |
 *
 * Payload: a separate Int32Array of `capacity` slots (plain reads/writes).
 *
 * Correct order: write the slot, then `Atomics.store(WRITE, w + 1)` (which
 * publishes the slot to the consumer's `Atomics.load(WRITE)`). With
 * `indexFirst` the store comes first, and a consumer that runs between the
 * two reads a slot that has not been written yet.
 */

export const WRITE = 0;
export const READ = 1;

export function tryPush(
  indices: Int32Array,
  slots: Int32Array,
  value: number,
  indexFirst: boolean,
): boolean {
  const w = Atomics.load(indices, WRITE);
  // Pairs with the consumer's store of READ: frees slots for reuse.
  if (w - Atomics.load(indices, READ) === slots.length) return false;
  if (indexFirst) {
    // BUG: publishes the slot before it holds the value.
    Atomics.store(indices, WRITE, w + 1);
    slots[w % slots.length] = value;
  } else {
    slots[w % slots.length] = value;
    // Publishes the slot written above; pairs with the load of WRITE in tryPop.
    Atomics.store(indices, WRITE, w + 1);
  }
  return true;
}

export function tryPop(indices: Int32Array, slots: Int32Array): number | undefined {
  const r = Atomics.load(indices, READ);
  // Pairs with the producer's store of WRITE.
  if (Atomics.load(indices, WRITE) === r) return undefined;
  const value = slots[r % slots.length]!;
  // Hands the slot back to the producer.
  Atomics.store(indices, READ, r + 1);
  return value;
}
