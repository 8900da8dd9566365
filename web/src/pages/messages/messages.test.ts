import { describe, expect, it } from 'vitest'
import { prettyJson } from './json.ts'
import {
  browseQuery,
  hasAfter,
  hasBefore,
  isoFromLocalInput,
  localInputTime,
  messagesSearch,
  nextPage,
  previousPage,
} from './search.ts'
import { type Line, type Message, maxBuffer, ndjsonLines, reading, withLines } from './stream.ts'

describe('the browse in the URL', () => {
  it('keeps what it knows and drops the rest', () => {
    expect(
      messagesSearch({
        partition: '2',
        start: 'offset',
        offset: 120,
        filter: 'key == "a"',
        limit: '100',
        bogus: 'x',
      }),
    ).toEqual({
      partition: 2,
      start: 'offset',
      offset: '120',
      time: undefined,
      before: undefined,
      filter: 'key == "a"',
      limit: 100,
      live: undefined,
    })
    // What goes with another start is dropped; so is the default limit.
    expect(
      messagesSearch({ start: 'oldest', offset: '5', before: '0:3', limit: 50 }),
    ).toMatchObject({ start: 'oldest', offset: undefined, before: undefined, limit: undefined })
    expect(messagesSearch({ start: 'sideways', partition: '-1', live: 'true' })).toMatchObject({
      start: undefined,
      partition: undefined,
      live: true,
    })
  })

  it('asks the API for the same browse', () => {
    expect(browseQuery({})).toEqual({ limit: 50 })
    expect(browseQuery({ partition: 0, before: '0:40', filter: 'x' })).toEqual({
      limit: 50,
      partition: '0',
      before: '0:40',
      filter: 'x',
    })
    expect(browseQuery({ live: true, limit: 20 })).toEqual({ limit: 20, follow: 'true' })
    expect(browseQuery({ start: 'timestamp', time: '2026-03-01T00:00:00.000Z' })).toMatchObject({
      start: 'timestamp',
      timestamp: '2026-03-01T00:00:00.000Z',
    })
  })

  it('pages back from where a page began and forward from where it ended', () => {
    const spans = [
      { partition: 0, logStart: '0', end: '10' },
      { partition: 1, logStart: '5', end: '8' },
    ]
    const previous = { '0': '4', '1': '5' }
    const next = { '0': '10', '1': '8' }
    expect(hasBefore(spans, previous)).toBe(true)
    expect(hasBefore(spans, { '0': '0', '1': '5' })).toBe(false)
    expect(hasAfter(spans, next)).toBe(false)
    expect(hasAfter(spans, { '0': '9', '1': '8' })).toBe(true)
    expect(previousPage({ start: 'offset', offset: '3', filter: 'f' }, previous)).toEqual({
      filter: 'f',
      before: '0:4,1:5',
    })
    expect(nextPage({ before: '0:4', partition: 1 }, { '1': '8' })).toEqual({
      partition: 1,
      start: 'offset',
      offset: '1:8',
    })
  })

  it('shows a time in the browser zone and sends it as ISO', () => {
    const iso = '2026-03-01T12:34:56.000Z'
    expect(isoFromLocalInput(localInputTime(iso))).toBe(iso)
    expect(isoFromLocalInput('')).toBeUndefined()
  })
})

describe('the stream of lines', () => {
  const stream = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
        controller.close()
      },
    })

  it('reads lines split anywhere across chunks', async () => {
    const lines: Line[] = []
    for await (const line of ndjsonLines(
      stream([
        '{"type":"start","partitions"',
        ':[]}\n{"type":"pro',
        'gress","scanned":1,"matched":0,"bytes":2,"elapsedMs":3}\n',
      ]),
    )) {
      lines.push(line)
    }
    expect(lines.map((l) => l.type)).toEqual(['start', 'progress'])
  })

  const message = (partition: number, offset: number): Message => ({
    type: 'message',
    partition,
    offset: String(offset),
    timestamp: null,
    key: null,
    keyEncoding: 'utf8',
    keySize: 0,
    value: `${partition}:${offset}`,
    valueEncoding: 'utf8',
    size: 3,
    truncated: false,
    headers: [],
  })

  it('puts what a live tail brings on top, and keeps only the newest', () => {
    const start: Line = { type: 'start', partitions: [{ partition: 0, logStart: '0', end: '2' }] }
    let state = withLines(reading, [start, message(0, 1), message(0, 0)], true)
    state = withLines(state, [message(0, 2), message(0, 3)], true)
    expect(state.messages.map((m) => m.value)).toEqual(['0:3', '0:2', '0:1', '0:0'])
    const flood = Array.from({ length: maxBuffer }, (_, i) => message(0, 4 + i))
    state = withLines(state, flood, true)
    expect(state.messages).toHaveLength(maxBuffer)
    expect(state.messages[0]?.offset).toBe(String(3 + maxBuffer))
    expect(state.dropped).toBe(4)
  })
})

describe('JSON values', () => {
  it('are indented without losing an int64', () => {
    expect(prettyJson('{"id":9007199254740993,"n":[1.50]}')).toBe(
      '{\n  "id": 9007199254740993,\n  "n": [\n    1.50\n  ]\n}',
    )
    expect(prettyJson('plain')).toBeUndefined()
    expect(prettyJson('{"broken":')).toBeUndefined()
    expect(prettyJson('42')).toBeUndefined()
  })
})
