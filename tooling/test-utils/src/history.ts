/**
 * Checking what consumers received against what producers sent.
 *
 * Producers tag each item with `(producer, seq)` where `seq` counts 0, 1, 2…
 * per producer. Consumers record what they received in the order they
 * received it. The check reports, per producer, items lost, items received
 * more than once, and items a single consumer saw out of producer order (a
 * consumer must see any one producer's items in increasing `seq`; items of
 * different producers may interleave, and different consumers may each see a
 * subsequence).
 */
export interface HistoryItem {
  readonly producer: number;
  readonly seq: number;
}

export interface HistoryReport {
  /** Items received, counted once each. */
  readonly received: number;
  readonly lost: HistoryItem[];
  readonly duplicated: HistoryItem[];
  /** `(consumer, item, previousSeq)`: the consumer saw `item` after a later item of its producer. */
  readonly reordered: { consumer: number; item: HistoryItem; previousSeq: number }[];
  /** Items naming a producer or seq that was never sent. */
  readonly unknown: HistoryItem[];
  readonly ok: boolean;
}

/**
 * @param sentPerProducer how many items each producer sent (index = producer id)
 * @param receivedPerConsumer each consumer's items in the order it received them
 */
export function checkHistory(
  sentPerProducer: readonly number[],
  receivedPerConsumer: readonly (readonly HistoryItem[])[],
): HistoryReport {
  const seen = sentPerProducer.map((n) => new Uint8Array(n));
  const duplicated: HistoryItem[] = [];
  const reordered: HistoryReport["reordered"] = [];
  const unknown: HistoryItem[] = [];
  let received = 0;
  receivedPerConsumer.forEach((items, consumer) => {
    const lastSeq = new Map<number, number>();
    for (const item of items) {
      const marks = seen[item.producer];
      if (
        marks === undefined ||
        !Number.isInteger(item.seq) ||
        item.seq < 0 ||
        item.seq >= marks.length
      ) {
        unknown.push(item);
        continue;
      }
      if (marks[item.seq]) duplicated.push(item);
      else {
        marks[item.seq] = 1;
        received++;
      }
      const previousSeq = lastSeq.get(item.producer);
      if (previousSeq !== undefined && previousSeq >= item.seq) {
        reordered.push({ consumer, item, previousSeq });
      }
      lastSeq.set(item.producer, item.seq);
    }
  });
  const lost: HistoryItem[] = [];
  seen.forEach((marks, producer) => {
    for (let seq = 0; seq < marks.length; seq++) if (!marks[seq]) lost.push({ producer, seq });
  });
  return {
    received,
    lost,
    duplicated,
    reordered,
    unknown,
    ok:
      lost.length === 0 &&
      duplicated.length === 0 &&
      reordered.length === 0 &&
      unknown.length === 0,
  };
}

/** A readable one-paragraph summary of a failed report (first few of each kind). */
export function describeHistory(report: HistoryReport): string {
  const few = (xs: unknown[]) => JSON.stringify(xs.slice(0, 5));
  return (
    `received ${report.received}; lost ${report.lost.length} ${few(report.lost)}; ` +
    `duplicated ${report.duplicated.length} ${few(report.duplicated)}; ` +
    `reordered ${report.reordered.length} ${few(report.reordered)}; ` +
    `unknown ${report.unknown.length} ${few(report.unknown)}`
  );
}
