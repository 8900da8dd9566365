import { describe, expect, test } from 'vitest'
import type { OffsetRange } from './offsets.ts'
import { finished, positionOf } from './positions.ts'

// A partition that kept offsets 10 to 19: its end, the next offset, is 20.
const listed = { earliest: 10n, latest: 20n }
const from = (range: OffsetRange, extra = {}) => positionOf(range, { ...listed, ...extra })

describe('where a partition is read from and to', () => {
  test.each<[string, OffsetRange, bigint]>([
    ['start', { from: { at: 'start', plus: 0n } }, 10n],
    ['+3', { from: { at: 'start', plus: 3n } }, 13n],
    ['+30, past the end', { from: { at: 'start', plus: 30n } }, 20n],
    ['end', { from: { at: 'end', minus: 0n } }, 20n],
    ['-4', { from: { at: 'end', minus: 4n } }, 16n],
    ['-40, before the oldest kept', { from: { at: 'end', minus: 40n } }, 10n],
    ['15', { from: { at: 'offset', offset: 15n } }, 15n],
    ['3, deleted already', { from: { at: 'offset', offset: 3n } }, 10n],
    ['99, not written yet', { from: { at: 'offset', offset: 99n } }, 20n],
  ])('%s', (_, range, next) => {
    expect(from(range)).toEqual({ next, until: null })
  })

  test('a time starts at the first offset at or after it, and at the end when none is that new', () => {
    const range: OffsetRange = { from: { at: 'time', ms: 1000 } }
    expect(from(range, { fromTime: 17n })).toEqual({ next: 17n, until: null })
    expect(from(range, { fromTime: -1n })).toEqual({ next: 20n, until: null })
  })

  test(':end stops at the end the partition has now, an offset or a time at theirs but never past it', () => {
    const start = { at: 'start', plus: 0n } as const
    expect(from({ from: start, until: { at: 'end' } })).toEqual({ next: 10n, until: 20n })
    expect(from({ from: start, until: { at: 'offset', offset: 12n } })).toEqual({
      next: 10n,
      until: 12n,
    })
    expect(from({ from: start, until: { at: 'offset', offset: 99n } })).toEqual({
      next: 10n,
      until: 20n,
    })
    const byTime: OffsetRange = { from: start, until: { at: 'time', ms: 5000 } }
    expect(from(byTime, { untilTime: 14n })).toEqual({ next: 10n, until: 14n })
    expect(from(byTime, { untilTime: -1n })).toEqual({ next: 10n, until: 20n })
  })

  test('a partition is finished once it reaches where it stops, and never without a stop', () => {
    expect(finished({ next: 20n, until: 20n })).toBe(true)
    expect(finished({ next: 19n, until: 20n })).toBe(false)
    expect(finished({ next: 20n, until: null })).toBe(false)
    // An empty partition read to :end has nothing to read at all.
    const empty = positionOf(
      { from: { at: 'start', plus: 0n }, until: { at: 'end' } },
      { earliest: 0n, latest: 0n },
    )
    expect(finished(empty)).toBe(true)
  })
})
