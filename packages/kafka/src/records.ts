/** What places a fetched record in its batch (Kafka's RecordBatch format). */
export interface FetchedRecord {
  offsetDelta: number
  timestampDelta: bigint
}

/** The fields of a fetched record batch that say where and when its records are. */
export interface FetchedBatch<R extends FetchedRecord> {
  attributes: number
  firstOffset: bigint
  firstTimestamp: bigint
  maxTimestamp: bigint
  records: R[]
}

// Bits of a batch's attributes: 3, its records carry the time the broker appended them (the
// batch's max timestamp) rather than their own; 5, it holds transaction markers, not records.
const logAppendTime = 1 << 3
const controlBatch = 1 << 5

/**
 * The records of fetched batches in order, each with its offset and timestamp; the batches
 * of transaction markers are left out.
 */
export function* placedRecords<R extends FetchedRecord>(
  batches: Iterable<FetchedBatch<R>>,
): Generator<{ offset: bigint; timestamp: bigint; record: R }> {
  for (const batch of batches) {
    if (batch.attributes & controlBatch) continue
    for (const record of batch.records) {
      const timestamp =
        batch.attributes & logAppendTime
          ? batch.maxTimestamp
          : batch.firstTimestamp + record.timestampDelta
      yield { offset: batch.firstOffset + BigInt(record.offsetDelta), timestamp, record }
    }
  }
}
