import { describe, expect, test } from 'vitest'
import {
  partitionsInWords,
  previewRows,
  resetBody,
  signed,
  sumOf,
  unansweredPartitions,
} from './lag.ts'

const row = (topic: string, partition: number, endOffset: number | null) => ({
  topic,
  partition,
  committedOffset: 1,
  endOffset,
  lag: endOffset === null ? null : endOffset - 1,
  memberId: null,
})

describe('the lag a group page shows', () => {
  test('names the partitions whose end offset Kafka did not tell, by topic', () => {
    const unanswered = unansweredPartitions([
      row('orders', 0, 5),
      row('orders', 1, null),
      row('payments', 3, null),
      row('orders', 2, null),
    ])
    expect([...unanswered]).toEqual([
      ['orders', [1, 2]],
      ['payments', [3]],
    ])
    expect(partitionsInWords(unanswered)).toBe('orders 1, 2; payments 3')
  })

  test('a preview puts the lag before and after against the ends a dry run to latest told', () => {
    const target = {
      name: 'g',
      dryRun: true,
      partitions: [
        { topic: 'orders', partition: 0, previousOffset: 4, newOffset: 0 },
        { topic: 'orders', partition: 1, previousOffset: null, newOffset: 0 },
      ],
    }
    const ends = {
      name: 'g',
      dryRun: true,
      partitions: [
        { topic: 'orders', partition: 0, previousOffset: 4, newOffset: 6 },
        { topic: 'orders', partition: 1, previousOffset: null, newOffset: 3 },
      ],
    }
    const rows = previewRows(target, ends)
    expect(rows).toEqual([
      {
        topic: 'orders',
        partition: 0,
        currentOffset: 4,
        newOffset: 0,
        lagBefore: 2,
        lagAfter: 6,
      },
      {
        topic: 'orders',
        partition: 1,
        currentOffset: null,
        newOffset: 0,
        lagBefore: null,
        lagAfter: 3,
      },
    ])
    expect(sumOf(rows, 'lagAfter')).toBe(9)
    expect(sumOf(rows, 'lagBefore')).toBeNull()
    expect([signed(4), signed(-1234), signed(0)]).toEqual(['+4', '−1,234', '±0'])
  })

  test("a reset's body is the API's, with the one topic or none, and refuses what it cannot send", () => {
    const form = { to: 'earliest', timestamp: '', offset: '0', topic: '' } as const
    expect(resetBody(form)).toEqual({ body: { to: 'earliest' } })
    expect(resetBody({ ...form, to: 'latest', topic: 'orders' })).toEqual({
      body: { to: 'latest', topics: ['orders'] },
    })
    expect(resetBody({ ...form, to: 'offset', offset: '12' })).toEqual({
      body: { to: 'offset', offset: 12 },
    })
    expect(resetBody({ ...form, to: 'offset', offset: '-1' })).toMatchObject({
      invalid: { field: 'offset' },
    })
    expect(resetBody({ ...form, to: 'offset', offset: ' ' })).toMatchObject({
      invalid: { field: 'offset' },
    })
    expect(resetBody({ ...form, to: 'timestamp' })).toMatchObject({
      invalid: { field: 'timestamp' },
    })
    const at = resetBody({ ...form, to: 'timestamp', timestamp: '2024-05-01T10:00' })
    expect(at).toEqual({
      body: { to: 'timestamp', timestamp: new Date('2024-05-01T10:00').toISOString() },
    })
  })
})
