import { describe, expect, it } from 'vitest'
import {
  type BrowseLine,
  type BrowseOptions,
  browse,
  browseBounds,
  type Fetched,
  type PartitionReader,
  type Span,
} from './message-browse.ts'
import { compileFilter } from './message-filter.ts'
import { type KafkaRecord, shown } from './message-lines.ts'

/** Partitions of records (offset i at time `times[p][i]`), fetched at most `batch` at a time. */
function aTopic(times: number[][], batch = 3, logStart: number[] = []) {
  const partitions = times.map((ofPartition, partition) =>
    ofPartition.map(
      (time, offset): KafkaRecord => ({
        partition,
        offset: BigInt(offset),
        timestamp: BigInt(time),
        key: Buffer.from(`k${partition}-${offset}`),
        value: Buffer.from(`v${partition}-${offset}`),
        headers: [[Buffer.from('h'), Buffer.from(offset % 2 ? 'odd' : 'even')]],
      }),
    ),
  )
  let fetches = 0
  const reader: PartitionReader = {
    async fetch(from) {
      fetches += 1
      const answer = new Map<number, Fetched>()
      for (const [partition, at] of from) {
        const records = (partitions[partition] ?? []).filter((r) => r.offset >= at)
        const given = records.slice(0, batch)
        const last = given.at(-1)
        answer.set(partition, {
          records: given,
          next: last ? last.offset + 1n : at,
          highWatermark: BigInt(partitions[partition]?.length ?? 0),
        })
      }
      return answer
    },
  }
  const spans: Span[] = partitions.map((records, partition) => ({
    partition,
    logStart: BigInt(logStart[partition] ?? 0),
    end: BigInt(records.length),
  }))
  return { reader, spans, fetches: () => fetches }
}

async function linesOf(
  reader: PartitionReader,
  options: Partial<BrowseOptions> & { spans: Span[] },
) {
  const lines: BrowseLine[] = []
  for await (const line of browse(reader, {
    start: { direction: 'backward', before: new Map() },
    limit: 50,
    follow: false,
    maxBytes: 1024,
    signal: new AbortController().signal,
    ...options,
  })) {
    lines.push(line)
  }
  return lines
}

const messages = (lines: BrowseLine[]) =>
  lines.flatMap((line) => (line.type === 'message' ? [`${line.partition}:${line.offset}`] : []))
const done = (lines: BrowseLine[]) => {
  const last = lines.at(-1)
  if (last?.type !== 'done') throw new Error(`the last line is ${JSON.stringify(last)}`)
  return last
}

describe('a browse of messages', () => {
  // Partition 0 has times 10, 20, …; partition 1 has 15, 25, …: merged they alternate.
  const times = [
    [10, 20, 30, 40, 50, 60],
    [15, 25, 35],
  ]

  it('sends the newest N across partitions, newest first, and says where the previous page ends', async () => {
    const { reader, spans } = aTopic(times)
    const lines = await linesOf(reader, { spans, limit: 4 })
    expect(lines[0]).toMatchObject({ type: 'start', partitions: [{ end: '6' }, { end: '3' }] })
    expect(messages(lines)).toEqual(['0:5', '0:4', '0:3', '1:2'])
    expect(done(lines)).toMatchObject({
      stoppedBy: 'limit',
      matched: 4,
      previous: { '0': '3', '1': '2' },
      next: { '0': '6', '1': '3' },
    })
  })

  it('reads the page before a page from its previous offsets, down to the start', async () => {
    const { reader, spans } = aTopic(times)
    const before = new Map([
      [0, 3n],
      [1, 2n],
    ])
    const page = await linesOf(reader, {
      spans,
      limit: 4,
      start: { direction: 'backward', before },
    })
    expect(messages(page)).toEqual(['0:2', '1:1', '0:1', '1:0'])
    const rest = await linesOf(reader, {
      spans,
      limit: 4,
      start: { direction: 'backward', before: new Map([[0, 1n]]) },
    })
    // Partition 1 is read from its end when `before` leaves it out.
    expect(messages(rest).slice(0, 2)).toEqual(['1:2', '1:1'])
    const last = await linesOf(reader, {
      spans,
      limit: 4,
      start: {
        direction: 'backward',
        before: new Map([
          [0, 1n],
          [1, 0n],
        ]),
      },
    })
    expect(messages(last)).toEqual(['0:0'])
    expect(done(last)).toMatchObject({ stoppedBy: 'end', previous: { '0': '0', '1': '0' } })
  })

  it('reads forward in time order from offsets, and says where the next page starts', async () => {
    const { reader, spans } = aTopic(times, 2)
    const from = new Map([
      [0, 2n],
      [1, 0n],
    ])
    const lines = await linesOf(reader, { spans, limit: 4, start: { direction: 'forward', from } })
    expect(messages(lines)).toEqual(['1:0', '1:1', '0:2', '1:2'])
    expect(done(lines)).toMatchObject({
      stoppedBy: 'limit',
      previous: { '0': '2', '1': '0' },
      next: { '0': '3', '1': '3' },
    })
    const next = await linesOf(reader, {
      spans,
      limit: 4,
      start: {
        direction: 'forward',
        from: new Map([
          [0, 3n],
          [1, 3n],
        ]),
      },
    })
    expect(messages(next)).toEqual(['0:3', '0:4', '0:5'])
    expect(done(next).stoppedBy).toBe('end')
  })

  it('starts a partition at its log start when asked for an offset retention deleted', async () => {
    const { reader, spans } = aTopic([[10, 20, 30, 40]], 3, [2])
    const lines = await linesOf(reader, {
      spans,
      start: { direction: 'forward', from: new Map([[0, 0n]]) },
    })
    expect(messages(lines)).toEqual(['0:2', '0:3'])
  })

  it('sends only what the filter matches, and counts what it failed on as no match', async () => {
    const { reader, spans } = aTopic(times)
    const test = compileFilter('headers.h == "odd" && value != "v0-5"')
    // CEL's || forgives an error on one side when the other is true: this one fails on all.
    const failing = compileFilter('headers.nope == "x" && offset >= 0')
    const run = (predicate: typeof test, limit: number) =>
      linesOf(reader, {
        spans,
        limit,
        filter: async (records) =>
          records.map((record) => {
            try {
              return predicate(record)
            } catch (error) {
              return (error as Error).message
            }
          }),
      })
    const lines = await run(test, 10)
    expect(messages(lines)).toEqual(['0:3', '1:1', '0:1'])
    expect(done(lines)).toMatchObject({ stoppedBy: 'end', scanned: 9, matched: 3 })
    const failed = done(await run(failing, 10))
    expect(failed).toMatchObject({ matched: 0, filterErrors: 9 })
    expect(failed.filterError).toMatch(/No such key: nope/)
  })

  it('stops at its bounds and says which', async () => {
    const long = [Array.from({ length: 50 }, (_, i) => i)]
    const { reader, spans } = aTopic(long, 5)
    const scanned = await linesOf(reader, {
      spans,
      start: { direction: 'forward', from: new Map([[0, 0n]]) },
      limit: 500,
      filter: async (records) => records.map(() => false),
      bounds: { ...browseBounds, maxScanned: 20 },
    })
    expect(done(scanned)).toMatchObject({ stoppedBy: 'scanLimit', scanned: 20, matched: 0 })
    let now = 0
    const timed = await linesOf(reader, {
      spans,
      start: { direction: 'forward', from: new Map([[0, 0n]]) },
      limit: 500,
      now: () => (now += 1000),
      bounds: { ...browseBounds, maxMs: 4_500 },
    })
    expect(done(timed).stoppedBy).toBe('timeLimit')
    const stopped = await linesOf(reader, {
      spans,
      filter: async () => {
        throw new Error('the filter took more than 2 s')
      },
    })
    expect(done(stopped)).toMatchObject({ stoppedBy: 'filterLimit', detail: /2 s/ })
  })

  it('sends no done line, and reads no more, once the client is gone', async () => {
    const { reader, spans, fetches } = aTopic([Array.from({ length: 30 }, (_, i) => i)], 2)
    const client = new AbortController()
    const lines: BrowseLine[] = []
    for await (const line of browse(reader, {
      spans,
      start: { direction: 'forward', from: new Map([[0, 0n]]) },
      limit: 30,
      follow: false,
      maxBytes: 10,
      signal: client.signal,
    })) {
      lines.push(line)
      if (messages(lines).length === 3) client.abort()
    }
    expect(lines.some((line) => line.type === 'done')).toBe(false)
    expect(fetches()).toBe(2)
  })
})

describe('bytes as a line shows them', () => {
  it('shows UTF-8 as text and anything else as hex', () => {
    expect(shown(Buffer.from('héllo'), 100)).toEqual({
      text: 'héllo',
      encoding: 'utf8',
      size: 6,
      truncated: false,
    })
    expect(shown(Buffer.from([0xff, 0x00, 0x41]), 100)).toMatchObject({
      text: 'ff0041',
      encoding: 'hex',
    })
    expect(shown(null, 10)).toMatchObject({ text: null, size: 0 })
  })

  it('cuts at maxBytes, never inside a character', () => {
    // é is two bytes: a cut at 2 would split it, so the text stops before it.
    expect(shown(Buffer.from('héllo'), 2)).toEqual({
      text: 'h',
      encoding: 'utf8',
      size: 6,
      truncated: true,
    })
    expect(shown(Buffer.from([0xff, 0xfe, 0xfd]), 2)).toMatchObject({
      text: 'fffe',
      truncated: true,
      size: 3,
    })
  })
})
