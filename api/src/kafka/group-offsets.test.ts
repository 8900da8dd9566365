import { describe, expect, test } from 'vitest'
import {
  groupStateOf,
  lagOf,
  newOffset,
  type Offsets,
  partitionRows,
  shortNameOf,
  totalLag,
} from './group-offsets.ts'

const offsets = (entries: Record<string, Record<number, number>>): Offsets =>
  new Map(
    Object.entries(entries).map(([topic, partitions]) => [
      topic,
      new Map(Object.entries(partitions).map(([p, o]) => [Number(p), BigInt(o)])),
    ]),
  )

describe('group states', () => {
  test.each([
    ['Stable', 'Stable'],
    ['STABLE', 'Stable'],
    ['PREPARING_REBALANCE', 'PreparingRebalance'],
    ['CompletingRebalance', 'CompletingRebalance'],
    ['Reconciling', 'Reconciling'],
    ['Empty', 'Empty'],
    ['something new', 'Unknown'],
  ])('reads %s as %s', (raw, state) => {
    expect(groupStateOf(raw)).toBe(state)
  })
})

describe('short names', () => {
  test('drop the prefix of a name inside it', () => {
    expect(shortNameOf('acme-main.', 'acme-main.orders-consumers')).toBe('orders-consumers')
  })

  test('are none for a name outside the prefix, or the prefix alone', () => {
    expect(shortNameOf('acme-main.', 'globex-main.orders')).toBeUndefined()
    expect(shortNameOf('acme-main.', 'acme-main')).toBeUndefined()
    expect(shortNameOf('acme-main.', 'acme-main.')).toBeUndefined()
  })
})

describe('lag', () => {
  test('is what is left between the committed offset and the end', () => {
    expect(lagOf(3n, 10n)).toBe(7)
  })

  test('is never negative, and unknown without both offsets', () => {
    expect(lagOf(12n, 10n)).toBe(0)
    expect(lagOf(undefined, 10n)).toBeNull()
    expect(lagOf(3n, undefined)).toBeNull()
  })

  test('adds up over partitions, unless one is unknown', () => {
    expect(totalLag([{ lag: 2 }, { lag: 5 }])).toBe(7)
    expect(totalLag([{ lag: 2 }, { lag: null }])).toBeNull()
    expect(totalLag([])).toBe(0)
  })
})

describe('partition rows', () => {
  test('join committed, assigned and end offsets by partition, in order, with short names', () => {
    const rows = partitionRows(
      'acme-main.',
      offsets({ 'acme-main.orders': { 1: 4, 0: 2 } }),
      new Map([['acme-main.orders', new Map([[2, 'member-1']])]]),
      offsets({ 'acme-main.orders': { 0: 5, 1: 4, 2: 9 } }),
    )
    expect(rows).toEqual([
      {
        topic: 'orders',
        partition: 0,
        committedOffset: 2,
        endOffset: 5,
        lag: 3,
        memberId: null,
      },
      { topic: 'orders', partition: 1, committedOffset: 4, endOffset: 4, lag: 0, memberId: null },
      {
        topic: 'orders',
        partition: 2,
        committedOffset: null,
        endOffset: 9,
        lag: null,
        memberId: 'member-1',
      },
    ])
  })

  test('leave out topics outside the prefix', () => {
    const rows = partitionRows(
      'acme-main.',
      offsets({ 'acme-main.b': { 0: 1 }, 'globex-main.a': { 0: 1 }, 'acme-main.a': { 0: 1 } }),
      new Map(),
      offsets({}),
    )
    expect(rows.map((row) => row.topic)).toEqual(['a', 'b'])
  })

  test('have no end offset or lag where Kafka did not answer for the topic', () => {
    const [row] = partitionRows('p.', offsets({ 'p.t': { 0: 1 } }), new Map(), offsets({}))
    expect(row).toMatchObject({ committedOffset: 1, endOffset: null, lag: null })
  })
})

describe('new offsets of a reset', () => {
  const bounds = { earliest: 10n, latest: 20n }

  test('go to the start or the end of the log', () => {
    expect(newOffset({ to: 'earliest' }, bounds)).toBe(10n)
    expect(newOffset({ to: 'latest' }, bounds)).toBe(20n)
  })

  test('go to the first message at a time, or to the end when every message is older', () => {
    const timestamp = new Date(0)
    expect(newOffset({ to: 'timestamp', timestamp }, { ...bounds, atTimestamp: 15n })).toBe(15n)
    expect(newOffset({ to: 'timestamp', timestamp }, { ...bounds, atTimestamp: -1n })).toBe(20n)
  })

  test('go to an offset, brought into the log when it lies outside', () => {
    expect(newOffset({ to: 'offset', offset: 12 }, bounds)).toBe(12n)
    expect(newOffset({ to: 'offset', offset: 3 }, bounds)).toBe(10n)
    expect(newOffset({ to: 'offset', offset: 99 }, bounds)).toBe(20n)
  })
})
