import { expectAnswer, expectProblem } from '@fjord/testing/answers'
import type { Caller } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aProduct } from '@fjord/testing/product'
import { ready } from '@fjord/testing/shop'
import { aMember, aTenant, type Tenant } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'

// Browsing and producing messages through the REST API, on the stack's Kafka: the product runs
// here (api, provisioner, operator); the api reads and writes with the pool's admin login, and
// streams what it reads as NDJSON over HTTP, as the console reads it.

// The lines as the OpenAPI document declares them (the route matrix holds answers to it).
interface Message {
  type: 'message'
  partition: number
  offset: string
  timestamp: string | null
  key: string | null
  keyEncoding: 'utf8' | 'hex'
  value: string | null
  valueEncoding: 'utf8' | 'hex'
  size: number
  truncated: boolean
  headers: { key: string; value: string | null; encoding: 'utf8' | 'hex' }[]
}
interface Done {
  type: 'done'
  stoppedBy: string
  scanned: number
  matched: number
  filterErrors: number
  filterError?: string
  previous: Record<string, string>
  next: Record<string, string>
}
type Line = Message | Done | { type: 'start' | 'progress' | 'error' }

let product: Awaited<ReturnType<typeof aProduct>>
let shop: { tenant: Tenant; owner: ReturnType<typeof product.as> }

beforeAll(async () => {
  product = await aProduct()
  const tenant = await aTenant(product.api)
  const owner = product.as(tenant.owner)
  await ready(
    owner.PUT('/v1/orgs/{org}/clusters/{cluster}', {
      params: { path: { org: tenant.org, cluster: 'main' }, query: { wait: 'true' } },
      body: { type: 'shared' },
    }),
  )
  shop = { tenant, owner }
})
afterAll(() => product?.stop())

const messagesPath = '/v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages'

/** A Ready topic of the shop's cluster. */
async function aTopic(partitions = 1): Promise<string> {
  const topic = uniqueName('t')
  await ready(
    shop.owner.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { org: shop.tenant.org, cluster: 'main', topic }, query: { wait: 'true' } },
      body: { partitions },
    }),
  )
  return topic
}

interface ToProduce {
  partition?: number
  key?: string | null
  keyEncoding?: 'utf8' | 'hex' | 'base64'
  value?: string | null
  valueEncoding?: 'utf8' | 'hex' | 'base64'
  headers?: { key: string; value: string | null }[]
}

async function produce(topic: string, message: ToProduce, as = shop.owner) {
  return expectAnswer(
    as.POST(messagesPath, {
      params: { path: { org: shop.tenant.org, cluster: 'main', topic } },
      body: { value: 'v', ...message },
    }),
    201,
  )
}

const headersOf = (caller: Caller): Record<string, string> =>
  caller.kind === 'session' ? { cookie: caller.cookie } : {}

/** GET …/messages over HTTP, as a browser does it. */
function open(topic: string, query: string, options: { as?: Caller; signal?: AbortSignal } = {}) {
  const url = `${product.url}/v1/orgs/${shop.tenant.org}/clusters/main/topics/${topic}/messages?${query}`
  return fetch(url, {
    headers: headersOf(options.as ?? shop.tenant.owner),
    ...(options.signal ? { signal: options.signal } : {}),
  })
}

/** The lines of an NDJSON body as they arrive. */
async function* linesOf(response: Response): AsyncGenerator<Line> {
  if (!response.body) return
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of response.body) {
    rest += decoder.decode(chunk, { stream: true })
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n')) {
      yield JSON.parse(rest.slice(0, end)) as Line
      rest = rest.slice(end + 1)
    }
  }
}

/** A whole browse: its messages and its done line. */
async function browse(topic: string, query: string, as?: Caller) {
  const response = await open(topic, query, as ? { as } : {})
  expect(response.status, await response.clone().text()).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
  const lines: Line[] = []
  for await (const line of linesOf(response)) lines.push(line)
  expect(lines[0]?.type).toBe('start')
  const done = lines.at(-1)
  if (done?.type !== 'done') throw new Error(`no done line: ${JSON.stringify(lines.at(-1))}`)
  const messages = lines.filter((line): line is Message => line.type === 'message')
  return { lines, messages, done: done as Done }
}

const at = (messages: Message[]) => messages.map((m) => `${m.partition}:${m.offset}`)

describe('browsing a topic', () => {
  test('from the newest N, the oldest, an offset or a time; in one partition or all', async () => {
    const topic = await aTopic(2)
    const produced = []
    for (let i = 0; i < 10; i += 1) {
      const partition = i < 8 ? i % 2 : 0
      produced.push({ i, ...(await produce(topic, { partition, key: `k${i}`, value: `v${i}` })) })
    }
    // Partition 0 holds v0 v2 v4 v6 v8 v9 (offsets 0-5), partition 1 v1 v3 v5 v7 (0-3).
    expect(produced.map((p) => `${p.partition}:${p.offset}`)).toEqual([
      '0:0',
      '1:0',
      '0:1',
      '1:1',
      '0:2',
      '1:2',
      '0:3',
      '1:3',
      '0:4',
      '0:5',
    ])

    const newest = await browse(topic, 'limit=3')
    expect(newest.messages).toHaveLength(3)
    const times = newest.messages.map((m) => Date.parse(m.timestamp ?? ''))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    const shown = new Set(at(newest.messages))
    const left = produced.filter((p) => !shown.has(`${p.partition}:${p.offset}`))
    expect(Math.min(...times)).toBeGreaterThanOrEqual(
      Math.max(...left.map((p) => Date.parse(p.timestamp))),
    )
    expect(newest.done).toMatchObject({ stoppedBy: 'limit', matched: 3 })
    expect(newest.lines[0]).toEqual({
      type: 'start',
      partitions: [
        { partition: 0, logStart: '0', end: '6' },
        { partition: 1, logStart: '0', end: '4' },
      ],
    })

    const oldest = await browse(topic, 'start=oldest&partition=0&limit=3')
    expect(oldest.messages.map((m) => [m.offset, m.key, m.value])).toEqual([
      ['0', 'k0', 'v0'],
      ['1', 'k2', 'v2'],
      ['2', 'k4', 'v4'],
    ])

    const fromOffset = await browse(topic, 'start=offset&offset=4&partition=0')
    expect(at(fromOffset.messages)).toEqual(['0:4', '0:5'])
    expect(fromOffset.done).toMatchObject({ stoppedBy: 'end', next: { '0': '6' } })
    const perPartition = await browse(topic, 'start=offset&offset=0:5,1:3')
    expect(at(perPartition.messages).sort()).toEqual(['0:5', '1:3'])

    const since = produced[6]?.timestamp ?? ''
    const fromTime = await browse(topic, `start=timestamp&timestamp=${since}`)
    const expected = produced.filter((p) => p.timestamp >= since)
    expect(at(fromTime.messages).sort()).toEqual(
      expected.map((p) => `${p.partition}:${p.offset}`).sort(),
    )
    const fromMs = await browse(topic, `start=timestamp&timestamp=${Date.parse(since)}`)
    expect(at(fromMs.messages)).toEqual(at(fromTime.messages))

    const one = await browse(topic, 'partition=1')
    expect(at(one.messages)).toEqual(['1:3', '1:2', '1:1', '1:0'])
    expect(one.done).toMatchObject({ stoppedBy: 'end', scanned: 4 })
  })

  test('pages back with Previous and forward with Next', async () => {
    const topic = await aTopic()
    for (let i = 0; i < 7; i += 1) await produce(topic, { value: `m${i}` })
    const values = (page: { messages: Message[] }) => page.messages.map((m) => m.value)

    const newest = await browse(topic, 'limit=3')
    expect(values(newest)).toEqual(['m6', 'm5', 'm4'])
    expect(newest.done.previous).toEqual({ '0': '4' })
    const previous = await browse(topic, `limit=3&before=0:${newest.done.previous['0']}`)
    expect(values(previous)).toEqual(['m3', 'm2', 'm1'])
    const first = await browse(topic, `limit=3&before=0:${previous.done.previous['0']}`)
    expect(values(first)).toEqual(['m0'])
    expect(first.done).toMatchObject({ stoppedBy: 'end', previous: { '0': '0' } })

    // Next from the middle page: the page after it, in time order.
    const next = await browse(topic, `limit=3&start=offset&offset=0:${previous.done.next['0']}`)
    expect(values(next)).toEqual(['m4', 'm5', 'm6'])
  })

  test('filters on key, value, headers and JSON on the server, int64 exactly', async () => {
    const topic = await aTopic()
    const big = '{"id":9007199254740993,"qty":3,"color":"blue"}'
    await produce(topic, { key: 'order-1', value: big, headers: [{ key: 'type', value: 'order' }] })
    await produce(topic, {
      key: 'order-2',
      value: '{"id":2,"qty":1,"color":"red"}',
      headers: [{ key: 'type', value: 'order' }],
    })
    await produce(topic, {
      key: 'refund-1',
      value: 'a plain refund',
      headers: [{ key: 'type', value: 'refund' }],
    })
    const keys = async (filter: string) => {
      const page = await browse(topic, `filter=${encodeURIComponent(filter)}`)
      expect(page.done.scanned).toBe(3)
      return page.messages.map((m) => m.key).sort()
    }
    expect(await keys('key.startsWith("order-")')).toEqual(['order-1', 'order-2'])
    expect(await keys('value.contains("refund")')).toEqual(['refund-1'])
    expect(await keys('headers.type == "refund"')).toEqual(['refund-1'])
    expect(await keys('json.qty > 2')).toEqual(['order-1'])
    expect(await keys('json.id == 9007199254740993')).toEqual(['order-1'])
    expect(await keys('headers["type"] == "order" && json.color == "red"')).toEqual(['order-2'])
    const found = await browse(topic, `filter=${encodeURIComponent('json.id == 9007199254740993')}`)
    expect(found.messages[0]?.value).toBe(big)

    const failing = await browse(topic, `filter=${encodeURIComponent('headers.missing == "x"')}`)
    expect(failing.done).toMatchObject({ matched: 0, filterErrors: 3 })
    expect(failing.done.filterError).toMatch(/No such key: missing/)
  })

  test('refuses a filter that does not parse, before reading anything', async () => {
    const topic = await aTopic()
    for (const [filter, message] of [
      ['value.contains(', /Unexpected token/],
      ['colour == "red"', /Unknown variable: colour/],
      ['offset + 1', /not a condition/],
    ] as const) {
      const problem = await expectProblem(
        shop.owner.GET(messagesPath, {
          params: {
            path: { org: shop.tenant.org, cluster: 'main', topic },
            query: { filter },
          },
        }),
        422,
      )
      expect(problem.code).toBe('validation_failed')
      expect(problem.errors).toEqual([
        { path: 'query.filter', message: expect.stringMatching(message) },
      ])
    }
  })

  test('shows bytes that are not UTF-8 as hex, and cuts long values until asked for all', async () => {
    const topic = await aTopic()
    await produce(topic, {
      key: Buffer.from([0xc3, 0x28]).toString('base64'),
      keyEncoding: 'base64',
      value: 'ff00fe41',
      valueEncoding: 'hex',
      headers: [{ key: 'note', value: 'text' }],
    })
    const long = await produce(topic, { value: 'é'.repeat(50_000) })

    const page = await browse(topic, 'start=oldest')
    const [binary, cut] = page.messages
    expect(binary).toMatchObject({
      key: 'c328',
      keyEncoding: 'hex',
      value: 'ff00fe41',
      valueEncoding: 'hex',
      size: 4,
      truncated: false,
      headers: [{ key: 'note', value: 'text', encoding: 'utf8' }],
    })
    // 64 KiB of two-byte characters: cut before a character, never inside one.
    expect(cut).toMatchObject({ valueEncoding: 'utf8', size: 100_000, truncated: true })
    expect(cut?.value).toBe('é'.repeat(32_768))
    const small = await browse(topic, 'start=oldest&maxBytes=5')
    expect(small.messages.map((m) => m.value)).toEqual(['ff00fe41', 'éé'])

    const whole = await browse(
      topic,
      `start=offset&partition=${long.partition}&offset=${long.offset}&limit=1&full=true`,
    )
    expect(whole.messages).toHaveLength(1)
    expect(whole.messages[0]).toMatchObject({ truncated: false, size: 100_000 })
    expect(whole.messages[0]?.value).toBe('é'.repeat(50_000))
  })
})

describe('who may browse and produce', () => {
  test('a viewer reads but may not produce; the write is audited', async () => {
    const topic = await aTopic()
    const written = await produce(topic, { key: 'k', value: 'by the owner' })
    const viewer = await aMember(product.api, shop.tenant, 'viewer')
    const read = await browse(topic, '', viewer)
    expect(read.messages.map((m) => m.value)).toEqual(['by the owner'])
    const refused = await expectProblem(
      product.as(viewer).POST(messagesPath, {
        params: { path: { org: shop.tenant.org, cluster: 'main', topic } },
        body: { value: 'by a viewer' },
      }),
      403,
    )
    expect(refused.code).toBe('forbidden')
    expect((await browse(topic, '')).messages).toHaveLength(1)

    const audit = await expectAnswer(
      shop.owner.GET('/v1/orgs/{org}/audit-events', {
        params: { path: { org: shop.tenant.org }, query: { action: 'topic.message.produce' } },
      }),
      200,
    )
    expect(audit.items.filter((event) => event.target.name === topic)).toEqual([
      expect.objectContaining({
        target: { type: 'topic', name: topic },
        details: { partition: written.partition, offset: written.offset },
      }),
    ])
  })

  test("another org's topic is not found, even under a cluster of the same name", async () => {
    const topic = await aTopic()
    await produce(topic, { value: 'private' })
    const stranger = await aTenant(product.api)
    const theirs = product.as(stranger.owner)
    await expectAnswer(
      theirs.PUT('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: { org: stranger.org, cluster: 'main' } },
        body: { type: 'shared' },
      }),
      201,
    )
    for (const org of [shop.tenant.org, stranger.org]) {
      const problem = await expectProblem(
        theirs.GET(messagesPath, { params: { path: { org, cluster: 'main', topic } } }),
        404,
      )
      expect(problem.code).toBe('not_found')
      await expectProblem(
        theirs.POST(messagesPath, {
          params: { path: { org, cluster: 'main', topic } },
          body: { value: 'x' },
        }),
        404,
      )
    }
  })
})

describe('a stream that goes on', () => {
  test('ends on the server when the client aborts it', async () => {
    const topic = await aTopic()
    await produce(topic, { value: 'one' })
    const clients = Array.from({ length: 5 }, () => new AbortController())
    for (const client of clients) {
      const response = await open(topic, 'follow=true', { signal: client.signal })
      expect(response.status).toBe(200)
      const first = await linesOf(response).next()
      expect(first.value?.type).toBe('start')
    }
    // Five follows are open: the org may not open a sixth until one ends.
    const refused = await open(topic, '')
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { code: string }).code).toBe('rate_limited')
    for (const client of clients) client.abort()
    await vi.waitFor(
      async () => {
        const again = await open(topic, 'limit=1')
        expect(again.status).toBe(200)
        await again.body?.cancel()
      },
      { timeout: 10_000, interval: 250 },
    )
  })

  test('with follow, delivers a message written after it began', async () => {
    const topic = await aTopic(2)
    await produce(topic, { partition: 0, value: 'before' })
    const client = new AbortController()
    try {
      const response = await open(topic, 'follow=true&limit=10', { signal: client.signal })
      const lines = linesOf(response)
      // Read by hand: leaving a for-await loop would end the stream.
      const next = async () => {
        const { value, done } = await lines.next()
        if (done) throw new Error('the stream ended')
        return value
      }
      const firstPage: string[] = []
      // The first page, then a progress line from the follow.
      for (let line = await next(); line.type !== 'progress'; line = await next()) {
        if (line.type === 'message') firstPage.push(line.value ?? '')
      }
      expect(firstPage).toEqual(['before'])
      const written = await produce(topic, { partition: 1, key: 'live', value: 'after' })
      let line = await next()
      while (line.type === 'progress') line = await next()
      expect(line).toMatchObject({
        type: 'message',
        partition: 1,
        offset: written.offset,
        key: 'live',
        value: 'after',
      })
    } finally {
      client.abort()
    }
  })
})
