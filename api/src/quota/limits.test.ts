import { describe, expect, it } from 'vitest'
import {
  changesThatFit,
  combinedChange,
  planLimits,
  type QuotaUse,
  quotaViolations,
  useAfter,
} from './limits.ts'

const aUse = (overrides: Partial<QuotaUse> = {}): QuotaUse => ({
  clusters: 0,
  topics: 0,
  partitions: 0,
  storageBytes: 0,
  ingressBytesPerSecond: 0,
  egressBytesPerSecond: 0,
  ...overrides,
})

describe('quotaViolations', () => {
  const free = planLimits.free

  it('lets a change reach the limit exactly', () => {
    expect(quotaViolations(free, aUse({ partitions: 27 }), { partitions: 3 })).toEqual([])
  })

  it('refuses one unit past the limit, naming current use and maximum', () => {
    expect(quotaViolations(free, aUse({ partitions: 28 }), { partitions: 3 })).toEqual([
      { limit: 'partitions', current: 28, maximum: 30, requested: 3 },
    ])
  })

  it('reports every limit a change breaks', () => {
    const violations = quotaViolations(free, aUse({ clusters: 1, topics: 10 }), {
      clusters: 1,
      topics: 1,
    })
    expect(violations.map((violation) => violation.limit)).toEqual(['clusters', 'topics'])
  })

  it('always lets an org shrink, even above its limits', () => {
    expect(quotaViolations(free, aUse({ partitions: 99 }), { partitions: -5 })).toEqual([])
  })

  it('refuses infinite retention and retention above the plan', () => {
    expect(quotaViolations(free, aUse(), { retentionMs: -1 })).toHaveLength(1)
    expect(quotaViolations(free, aUse(), { retentionMs: free.maxRetentionMs + 1 })).toHaveLength(1)
    expect(quotaViolations(free, aUse(), { retentionMs: free.maxRetentionMs })).toEqual([])
  })
})

describe('combinedChange', () => {
  it('adds up what the changes add, and keeps the longest retention asked for', () => {
    expect(
      combinedChange([
        { topics: 1, partitions: 3, retentionMs: 5 },
        { topics: 1, partitions: -1, retentionMs: 9 },
        { clusters: 1, retentionMs: 7 },
      ]),
    ).toEqual({ clusters: 1, topics: 2, partitions: 2, retentionMs: 9 })
  })

  it('asks for retention forever when any change does', () => {
    expect(combinedChange([{ retentionMs: 5 }, { retentionMs: -1 }, { retentionMs: 9 }])).toEqual({
      retentionMs: -1,
    })
  })
})

describe('useAfter', () => {
  it('adds what the change adds to the counted use, and leaves the rest as it was', () => {
    const use = aUse({ clusters: 1, topics: 4, partitions: 9, storageBytes: 5 })
    expect(useAfter(use, { topics: 2, partitions: -3, retentionMs: 7 })).toEqual(
      aUse({ clusters: 1, topics: 6, partitions: 6, storageBytes: 5 }),
    )
    expect(use, 'the use it started from').toEqual(
      aUse({ clusters: 1, topics: 4, partitions: 9, storageBytes: 5 }),
    )
  })
})

describe('changesThatFit', () => {
  const free = planLimits.free

  it('lets changes in one after the other while they fit together, as if made one by one', () => {
    const changes = [{ partitions: 20 }, { partitions: 9 }, { partitions: 2 }, { partitions: 1 }]
    expect(changesThatFit(free, aUse(), changes)).toEqual([true, true, false, true])
  })

  it('refuses a change that breaks a limit alone without holding up the others', () => {
    const changes = [{ topics: 1, retentionMs: -1 }, { topics: 1 }, { topics: 1, retentionMs: 1 }]
    expect(changesThatFit(free, aUse({ topics: 8 }), changes)).toEqual([false, true, true])
  })
})
