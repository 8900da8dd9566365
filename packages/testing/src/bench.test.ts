import { describe, expect, it } from 'vitest'
import { isProductStart, liveOperators, quantile, waterfall } from './bench.ts'

describe('liveOperators', () => {
  const now = Date.parse('2026-12-02T12:00:30.000000Z')
  const lease = (namespace: string, holder: string, renewTime: string) => ({
    metadata: { namespace },
    spec: { holderIdentity: holder, renewTime },
  })

  it('names an operator whose Lease was renewed within 20 s', () => {
    expect(
      liveOperators([lease('fjord-system', 'product-1', '2026-12-02T12:00:12.000000Z')], now),
    ).toEqual([{ namespace: 'fjord-system', holder: 'product-1', ageMs: 18_000 }])
  })

  it('ignores stale Leases, released ones and the bench’s own', () => {
    expect(
      liveOperators(
        [
          lease('left-over', 'old', '2026-12-02T12:00:05.000000Z'),
          lease('released', '', '2026-12-02T12:00:29.000000Z'),
          lease('bench', 'bench-abc', '2026-12-02T12:00:29.000000Z'),
          { metadata: { namespace: 'never' } },
        ],
        now,
        ['bench-abc'],
      ),
    ).toEqual([])
  })
})

describe('isProductStart', () => {
  it('knows `npm start` from other uses of the stack’s cli', () => {
    expect(isProductStart(['node', '/work/main/stack/src/cli.ts', 'start'])).toBe(true)
    expect(isProductStart(['node', 'stack/src/cli.ts', 'up'])).toBe(false)
    expect(isProductStart(['node', 'operator/src/main.ts', 'start'])).toBe(false)
  })
})

describe('waterfall', () => {
  it('prints p50, p95, max and the gaps from the stage before', () => {
    const times = (from: number) => Array.from({ length: 100 }, (_, i) => from + i)
    const table = waterfall([
      { name: 'committed', times: times(0).reverse() },
      { name: 'created', times: times(1000) },
    ]).split('\n')
    expect(table).toEqual([
      'stage        n      p50      p95      max     +p50     +p95',
      'committed  100    50 ms    95 ms    99 ms',
      'created    100  1050 ms  1095 ms  1099 ms  1000 ms  1000 ms',
    ])
  })

  it('shows a stage no item reached', () => {
    expect(waterfall([{ name: 'none', times: [] }]).split('\n')[1]).toBe(
      'none   0  0 ms  0 ms  0 ms',
    )
  })
})

describe('quantile', () => {
  it('takes the nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(3)
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4)
    expect(quantile([], 0.5)).toBe(0)
  })
})
