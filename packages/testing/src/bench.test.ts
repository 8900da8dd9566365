import { describe, expect, it } from 'vitest'
import {
  isProductStart,
  liveOperators,
  openFiles,
  openFilesLimit,
  quantile,
  RssSampler,
  residentMiB,
  roomForOpenFiles,
  rssMiB,
  table,
  waterfall,
} from './bench.ts'

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

describe('table', () => {
  it('lines up columns of rows of any length', () => {
    expect(
      table([
        ['when', 'api', 'etcd'],
        ['idle', '95', '150'],
        ['10,000 topics', '1210'],
      ]).split('\n'),
    ).toEqual(['when            api  etcd', 'idle             95   150', '10,000 topics  1210'])
  })
})

describe('resident memory', () => {
  it('reads VmRSS of a status text in MiB', () => {
    const status = 'Name:\tnode\nVmHWM:\t  409600 kB\nVmRSS:\t  204800 kB\nThreads:\t11\n'
    expect(residentMiB(status)).toBe(200)
    expect(residentMiB('Name:\tkthreadd\n')).toBeUndefined()
  })

  it('reads a running process, and nothing for none', () => {
    expect(rssMiB(process.pid)).toBeGreaterThan(1)
    expect(rssMiB(undefined)).toBeUndefined()
  })

  it('keeps the peak of each process since the last time it was taken', () => {
    const figures = { api: [100, 300, 200, 150], operator: [50, 40, 30, 20] }
    const sampler = new RssSampler(
      { api: 1, operator: 2, gone: 3 },
      {
        everyMs: 3_600_000,
        read: (pid) => (pid === 1 ? figures.api : pid === 2 ? figures.operator : []).shift(),
      },
    )
    expect(sampler.sample()).toEqual({ api: 100, operator: 50, gone: undefined })
    sampler.sample()
    expect(sampler.takePeaks()).toEqual({ api: 300, operator: 50 })
    expect(sampler.takePeaks()).toEqual({ api: 150, operator: 20 })
    sampler.stop()
  })
})

describe('open files', () => {
  it('reads the soft limit of a limits text', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max open files            20000                32768                files     ',
    ].join('\n')
    expect(openFilesLimit(limits)).toBe(20_000)
    expect(openFilesLimit('Max open files  unlimited  unlimited  files')).toBe(Infinity)
  })

  it('counts the files a running process holds against its limit', () => {
    const files = openFiles(process.pid)
    expect(files?.open).toBeGreaterThan(2)
    expect(files?.limit).toBeGreaterThanOrEqual(files?.open ?? Infinity)
  })
})

describe('roomForOpenFiles', () => {
  it('answers at once when the files fit', async () => {
    expect(await roomForOpenFiles(process.pid, 1, { margin: 0 })).toBeLessThan(1_000)
    expect(await roomForOpenFiles(undefined, 1_000_000)).toBeLessThan(1_000)
  })

  it('says how many files are open of the limit when more would never fit', async () => {
    const limit = openFiles(process.pid)?.limit ?? 0
    await expect(roomForOpenFiles(process.pid, limit, { timeoutMs: -1 })).rejects.toThrow(
      new RegExp(`files open of its limit ${limit}, too many to open ${limit} more`),
    )
  })
})
