import { describe, expect, it } from 'vitest'
import { bucketed, byteTicks, summaryOf, usageRange } from './series.ts'

describe('usage series', () => {
  const now = new Date('2026-03-10T13:25:00Z')

  it('asks for whole UTC buckets up to the current one', () => {
    expect(usageRange('24h', now)).toEqual({
      from: new Date('2026-03-09T14:00:00Z'),
      to: new Date('2026-03-10T14:00:00Z'),
      granularity: 'hour',
    })
    expect(usageRange('7d', now).from).toEqual(new Date('2026-03-03T14:00:00Z'))
    expect(usageRange('30d', now)).toEqual({
      from: new Date('2026-02-09T00:00:00Z'),
      to: new Date('2026-03-11T00:00:00Z'),
      granularity: 'day',
    })
  })

  it('gives every bucket a point: gauges left empty, messages counted as none', () => {
    const range = usageRange('24h', now)
    const series = bucketed(
      [
        { time: '2026-03-10T11:00:00.000Z', partitions: 3, storageBytes: 100, messagesIn: 5 },
        { time: '2026-03-10T13:00:00.000Z', partitions: 4, storageBytes: 300, messagesIn: 7 },
      ],
      range,
    )
    expect(series).toHaveLength(24)
    expect(series.at(-1)).toEqual({
      time: Date.parse('2026-03-10T13:00:00Z'),
      partitions: 4,
      storageBytes: 300,
      messagesIn: 7,
    })
    expect(series.at(-2)).toMatchObject({ partitions: null, storageBytes: null, messagesIn: 0 })
    expect(summaryOf(series)).toEqual({ partitions: 4, storageBytes: 300, messagesIn: 12 })
  })

  it('sums to nothing when there is no usage yet', () => {
    expect(summaryOf(bucketed([], usageRange('30d', now)))).toEqual({
      partitions: null,
      storageBytes: null,
      messagesIn: 0,
    })
  })
})

describe('byte ticks', () => {
  it('steps in round values of one unit up to the highest value', () => {
    expect(byteTicks(180_000)).toEqual([0, 51_200, 102_400, 153_600, 204_800])
    expect(byteTicks(1000)).toEqual([0, 250, 500, 750, 1000])
    expect(byteTicks(3 * 1024 ** 3)).toEqual([0, 1024 ** 3, 2 * 1024 ** 3, 3 * 1024 ** 3])
    expect(byteTicks(0)).toEqual([0])
  })
})
