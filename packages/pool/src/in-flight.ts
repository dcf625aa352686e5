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

  /** Holds `rec` under its seq, which must be above every seq held (the worker's next). */
  set(rec: R): void {
    const at = rec.seq % this.capacity;
    if (this.#ring[at] !== undefined || rec.seq < this.#end) {
      throw new Error(`InFlight: seq ${rec.seq} is not the next one (internal error)`);
    }
    this.#ring[at] = rec;
    this.#size++;
    if (this.#size === 1) this.#oldest = rec.seq;
    this.#end = rec.seq + 1;
  }

  get(seq: number): R | undefined {
    const rec = this.#ring[seq % this.capacity];
    return rec !== undefined && rec.seq === seq ? rec : undefined;
  }

  /** Removes and returns the record held under `seq`, if any. */
  delete(seq: number): R | undefined {
    const at = seq % this.capacity;
    const rec = this.#ring[at];
    if (rec === undefined || rec.seq !== seq) return undefined;
    this.#ring[at] = undefined;
    this.#size--;
    if (seq === this.#oldest) this.#oldest = seq + 1;
    return rec;
  }

  /** The records held, in seq order. */
  values(): R[] {
    const out: R[] = [];
    for (
      let seq = Math.max(this.#oldest, this.#end - this.capacity);
      out.length < this.#size && seq < this.#end;
      seq++
    ) {
      const rec = this.get(seq);
      if (rec !== undefined) out.push(rec);
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
