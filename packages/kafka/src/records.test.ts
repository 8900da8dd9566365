import { describe, expect, it } from 'vitest'
import { placedRecords } from './records.ts'

const record = (offsetDelta: number, timestampDelta: bigint, value: string) => ({
  offsetDelta,
  timestampDelta,
  value,
})

describe('the records of fetched batches', () => {
  it('places each record at its offset and time, and leaves transaction markers out', () => {
    const batches = [
      {
        attributes: 0,
        firstOffset: 10n,
        firstTimestamp: 1_000n,
        maxTimestamp: 1_005n,
        records: [record(0, 0n, 'a'), record(1, 5n, 'b')],
      },
      // A control batch: a transaction's commit marker, no record of anyone's.
      {
        attributes: 1 << 5,
        firstOffset: 12n,
        firstTimestamp: 1_006n,
        maxTimestamp: 1_006n,
        records: [record(0, 0n, 'marker')],
      },
      // Log-append time: the broker's time for every record, whatever the producer said.
      {
        attributes: 1 << 3,
        firstOffset: 13n,
        firstTimestamp: 1_007n,
        maxTimestamp: 2_000n,
        records: [record(0, 0n, 'c'), record(2, 3n, 'd')],
      },
    ]
    expect(
      [...placedRecords(batches)].map(({ offset, timestamp, record }) => [
        offset,
        timestamp,
        record.value,
      ]),
    ).toEqual([
      [10n, 1_000n, 'a'],
      [11n, 1_005n, 'b'],
      [13n, 2_000n, 'c'],
      [15n, 2_000n, 'd'],
    ])
  })
})
