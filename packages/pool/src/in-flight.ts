/**
 * The records a worker holds (sent, not answered), keyed by seq. A worker
 * answers its records in seq order and holds at most `capacity` of them, so
 * the seqs held are a range [oldest, nextSeq) shorter than `capacity`, and a
 * ring indexed by `seq % capacity` never collides: set/get/delete are an
 * array access, with no hashing and no allocation per record.
 */
export class InFlight<R extends { readonly seq: number }> {
  readonly #ring: (R | undefined)[];
  #size = 0;
  /** Lowest seq that may still be held. */
  #oldest = Number.POSITIVE_INFINITY;
  /** One past the highest seq set. */
  #end = 0;

  constructor(readonly capacity: number) {
    this.#ring = new Array(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  /** Holds `record` under its seq, which must be above every seq held (the worker's next). */
  set(record: R): void {
    const at = record.seq % this.capacity;
    if (this.#ring[at] !== undefined || record.seq < this.#end) {
      throw new Error(`InFlight: seq ${record.seq} is not the next one (internal error)`);
    }
    this.#ring[at] = record;
    this.#size++;
    if (this.#size === 1) this.#oldest = record.seq;
    this.#end = record.seq + 1;
  }

  get(seq: number): R | undefined {
    const record = this.#ring[seq % this.capacity];
    return record !== undefined && record.seq === seq ? record : undefined;
  }

  /** Removes and returns the record held under `seq`, if any. */
  delete(seq: number): R | undefined {
    const at = seq % this.capacity;
    const record = this.#ring[at];
    if (record === undefined || record.seq !== seq) return undefined;
    this.#ring[at] = undefined;
    this.#size--;
    if (seq === this.#oldest) this.#oldest = seq + 1;
    return record;
  }

  /** The records held, in seq order. */
  values(): R[] {
    const out: R[] = [];
    for (
      let seq = Math.max(this.#oldest, this.#end - this.capacity);
      out.length < this.#size && seq < this.#end;
      seq++
    ) {
      const record = this.get(seq);
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#size = 0;
    this.#oldest = Number.POSITIVE_INFINITY;
    this.#end = 0;
  }
}
