import { z } from '@hono/zod-openapi'
import { ApiError, conflict, type FieldError, toProblem, validationFailed } from '../errors.ts'
import { type AppContext, kafkaOf, type Tenant, tenantOf } from '../http/context.ts'
import {
  jsonBody,
  jsonResponse,
  orgRoute,
  ProblemSchema,
  problem,
  problems,
} from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { FilterSandbox } from '../kafka/filter-sandbox.ts'
import {
  type BrowseLine,
  browse,
  browseBounds,
  type Span,
  type Start,
} from '../kafka/message-browse.ts'
import { filterProblem, filterVariables, maxFilterLength } from '../kafka/message-filter.ts'
import { produceMessage } from '../kafka/message-produce.ts'
import { TopicNameSchema } from '../kafka/names.ts'
import { TopicReader } from '../kafka/topic-reader.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { findClusterOr404, sharedPoolOf } from '../resources/clusters.ts'
import { findTopicOr404 } from '../resources/topics.ts'
import { ClusterParams } from './schemas.ts'

const TopicParams = ClusterParams.extend({
  topic: TopicNameSchema.openapi({ param: { name: 'topic', in: 'path' } }),
})

/** Offsets, one for every partition (`120`) or per partition (`0:120,1:98`). */
const OffsetsParam = z
  .string()
  .max(20_000)
  .regex(
    /^(\d{1,19}|\d{1,5}:\d{1,19}(,\d{1,5}:\d{1,19})*)$/,
    'is an offset, or partition:offset pairs',
  )

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .openapi({ description })

const maxFull = 10

const BrowseQuerySchema = z.object({
  partition: z
    .string()
    .regex(/^(all|\d{1,5})$/, 'is a partition number, or all')
    .default('all')
    .openapi({ description: 'One partition, or all of them' }),
  start: z.enum(['newest', 'oldest', 'offset', 'timestamp']).default('newest').openapi({
    description:
      'newest: the newest `limit` messages (back from `before` when given); oldest: from the first; offset: from `offset`; timestamp: from the first at or after `timestamp`',
  }),
  offset: OffsetsParam.optional().openapi({
    description:
      'With start=offset: where to start, for every partition (`120`) or per partition (`0:120,1:98`); a partition left out is not read',
  }),
  timestamp: z.string().max(40).optional().openapi({
    description: 'With start=timestamp: an ISO 8601 time, or milliseconds since the epoch',
  }),
  before: OffsetsParam.optional().openapi({
    description:
      'With start=newest: the newest messages before these offsets (exclusive): a previous page passes the `previous` of the page it came from',
  }),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({
    description: 'Messages to send (those the filter matches)',
  }),
  filter: z
    .string()
    .max(maxFilterLength)
    .optional()
    .openapi({
      description: `A CEL expression over ${Object.keys(filterVariables).join(', ')}: only the messages it is true for are sent (see docs/api.md)`,
      example: 'headers["type"] == "order" && json.amount > 100',
    }),
  maxBytes: z.coerce.number().int().min(1).max(1_048_576).default(65_536).openapi({
    description:
      'Bytes shown of each key, value and header value; the rest is cut (truncated: true)',
  }),
  full: flag(`Show keys, values and headers whole (at most ${maxFull} messages)`),
  follow: flag(
    'After the newest messages, go on sending each new one as it comes until the client leaves (start=newest only)',
  ),
})

type BrowseQuery = z.output<typeof BrowseQuerySchema>

const Encoding = z.enum(['utf8', 'hex']).openapi({
  description: 'utf8: the bytes as text; hex: they are not UTF-8, shown as lower-case hex',
})
const Counts = {
  scanned: z.number().int().openapi({ description: 'Messages read from Kafka' }),
  matched: z.number().int().openapi({ description: 'Messages sent' }),
  bytes: z.number().int().openapi({ description: 'Bytes of the messages read' }),
  elapsedMs: z.number().int(),
}
const OffsetsByPartition = z.record(z.string(), z.string()).openapi({
  description: 'Offset (a string: int64) by partition number',
})

const BrowseLineSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('start'),
        partitions: z.array(
          z.object({
            partition: z.number().int(),
            logStart: z.string().openapi({ description: 'Its first offset' }),
            end: z.string().openapi({ description: 'The offset its next message gets' }),
          }),
        ),
      })
      .openapi('MessageStreamStart', { description: 'First: the partitions read' }),
    z
      .object({
        type: z.literal('message'),
        partition: z.number().int(),
        offset: z.string().openapi({ description: 'An int64, as a string' }),
        timestamp: z.string().nullable().openapi({ description: 'ISO 8601; null when none' }),
        key: z.string().nullable(),
        keyEncoding: Encoding,
        keySize: z.number().int(),
        value: z.string().nullable().openapi({ description: 'null for a tombstone' }),
        valueEncoding: Encoding,
        size: z.number().int().openapi({ description: "The value's size in bytes, whole" }),
        truncated: z.boolean().openapi({
          description:
            'The key, value or a header value was cut at maxBytes: ask for it with full=true',
        }),
        headers: z.array(
          z.object({ key: z.string(), value: z.string().nullable(), encoding: Encoding }),
        ),
      })
      .openapi('Message'),
    z
      .object({ type: z.literal('progress'), ...Counts })
      .openapi('MessageStreamProgress', { description: 'Every half second or so' }),
    z
      .object({
        type: z.literal('done'),
        stoppedBy: z.enum(['limit', 'end', 'scanLimit', 'timeLimit', 'filterLimit']).openapi({
          description:
            'limit: `limit` messages sent; end: nothing more to read that way; scanLimit, timeLimit, filterLimit: a bound of the api (see `detail`)',
        }),
        detail: z.string().optional(),
        ...Counts,
        filterErrors: z.number().int().openapi({
          description: 'Messages the filter failed on (counted as not matching)',
        }),
        filterError: z.string().optional().openapi({ description: 'The first such failure' }),
        previous: OffsetsByPartition.openapi({
          description: 'The `before` of the previous page (start=newest)',
        }),
        next: OffsetsByPartition.openapi({
          description: 'The `offset` of the next page (start=offset)',
        }),
      })
      .openapi('MessageStreamDone', { description: 'Last, unless an error ends the stream' }),
    z
      .object({ type: z.literal('error'), problem: ProblemSchema })
      .openapi('MessageStreamError', { description: 'Last: what stopped the stream' }),
  ])
  .openapi('MessageStreamLine', { description: 'One line of application/x-ndjson' })

const headerText = z.string().max(65_536)
const ProduceMessageSchema = z
  .object({
    partition: z.number().int().min(0).optional().openapi({
      description: "Where it goes; by default by its key (as Java's producer does), else any",
    }),
    key: z.string().max(1_048_576).nullable().default(null),
    keyEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    value: z.string().max(1_048_576).nullable().openapi({ description: 'null for a tombstone' }),
    valueEncoding: z.enum(['utf8', 'hex', 'base64']).default('utf8'),
    headers: z
      .array(z.object({ key: z.string().min(1).max(256), value: headerText.nullable() }).strict())
      .max(64)
      .default([]),
  })
  .strict()
  .openapi('ProduceMessage')

const ProducedSchema = z
  .object({
    partition: z.number().int(),
    offset: z.string().openapi({ description: 'An int64, as a string' }),
    timestamp: z.string().openapi({ description: 'ISO 8601' }),
  })
  .openapi('ProducedMessage')

const tags = ['messages']
const path = '/v1/orgs/{org}/clusters/{cluster}/topics/{topic}/messages'
const kafkaProblems = {
  ...problem(
    409,
    'The cluster has no Kafka yet (or is dedicated), or the topic is not in Kafka yet',
  ),
  ...problems(503),
}

const browseMessages = orgRoute('viewer', {
  method: 'get',
  path,
  tags,
  summary: "Browse a topic's messages, streamed as they are read",
  description:
    'Reads with the platform’s login, never a tenant’s. The answer streams application/x-ndjson: a `start` line, `message` lines, `progress` lines, and a last `done` line (or `error`). A bad filter is 422 before anything is read. See docs/api.md for the filter language and the bounds.',
  request: { params: TopicParams, query: BrowseQuerySchema },
  responses: {
    200: {
      description: 'One JSON object per line',
      content: { 'application/x-ndjson': { schema: BrowseLineSchema } },
    },
    ...problem(429, 'Too many browses of this organization run at once'),
    ...kafkaProblems,
  },
})

const produceToTopic = orgRoute('developer', {
  method: 'post',
  path,
  tags,
  summary: 'Write one test message to a topic, with the platform’s login',
  request: { params: TopicParams, body: jsonBody(ProduceMessageSchema) },
  responses: {
    201: jsonResponse('Written: where it went', ProducedSchema),
    ...kafkaProblems,
  },
})

/** Browses one org may run at once on this api (each holds a Kafka connection open). */
const maxOpenBrowses = 5

/** Counts each org's open browses. */
class OpenBrowses {
  readonly #open = new Map<string, number>()

  take(orgId: string): () => void {
    const open = this.#open.get(orgId) ?? 0
    if (open >= maxOpenBrowses) {
      throw new ApiError(
        'rate_limited',
        `${open} browses of this organization's messages are open; close one (or wait for it to end) and try again`,
        { extra: { retryAfterSeconds: 5 } },
      )
    }
    this.#open.set(orgId, open + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#open.get(orgId) ?? 1) - 1
      if (left === 0) this.#open.delete(orgId)
      else this.#open.set(orgId, left)
    }
  }
}

/** Offsets as the query gives them: one for every partition, or per partition. */
function offsetsOf(text: string, partitions: number[], field: string): Map<number, bigint> {
  if (!text.includes(':')) return new Map(partitions.map((p) => [p, BigInt(text)]))
  const offsets = new Map<number, bigint>()
  for (const pair of text.split(',')) {
    const [partition = '', offset = ''] = pair.split(':')
    offsets.set(Number(partition), BigInt(offset))
  }
  const unknown = [...offsets.keys()].filter((p) => !partitions.includes(p))
  if (unknown.length > 0) {
    throw validationFailed([
      { path: field, message: `names partition ${unknown.join(', ')}, which is not read` },
    ])
  }
  return offsets
}

function timestampOf(text: string): bigint | undefined {
  if (/^\d{1,15}$/.test(text)) return BigInt(text)
  // Date.parse takes more than ISO 8601; a time must at least look like one.
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : BigInt(ms)
}

/** What the query asks that its schema alone cannot check; 422 on each field at fault. */
function queryErrors(query: BrowseQuery): FieldError[] {
  const errors: FieldError[] = []
  const only = (field: 'offset' | 'timestamp' | 'before', start: BrowseQuery['start']) => {
    if (query[field] !== undefined && query.start !== start) {
      errors.push({ path: `query.${field}`, message: `goes only with start=${start}` })
    }
  }
  only('offset', 'offset')
  only('timestamp', 'timestamp')
  only('before', 'newest')
  if (query.start === 'offset' && query.offset === undefined) {
    errors.push({ path: 'query.offset', message: 'is needed with start=offset' })
  }
  if (query.start === 'timestamp') {
    if (query.timestamp === undefined) {
      errors.push({ path: 'query.timestamp', message: 'is needed with start=timestamp' })
    } else if (timestampOf(query.timestamp) === undefined) {
      errors.push({
        path: 'query.timestamp',
        message: 'is an ISO 8601 time (2026-01-31T12:00:00Z) or milliseconds since the epoch',
      })
    }
  }
  if (query.follow && (query.start !== 'newest' || query.before !== undefined)) {
    errors.push({
      path: 'query.follow',
      message: 'follows on from the newest messages: start=newest, without before',
    })
  }
  if (query.full && query.limit > maxFull) {
    errors.push({
      path: 'query.full',
      message: `shows at most ${maxFull} messages whole: ask for fewer (limit), or for one by partition and offset`,
    })
  }
  if (query.filter !== undefined) {
    const problem = filterProblem(query.filter)
    if (problem) errors.push({ path: 'query.filter', message: problem })
  }
  return errors
}

/** The tenant's topic and the pool its cluster's Kafka is in; 404 for another org's. */
async function topicOf(
  c: AppContext,
  tenant: Tenant,
  { cluster: clusterName, topic: topicName }: { cluster: string; topic: string },
) {
  const db = c.get('db')
  const cluster = await findClusterOr404(db, tenant, clusterName)
  const topic = await findTopicOr404(db, tenant, cluster, topicName)
  return { cluster, topic, pool: sharedPoolOf(cluster, 'messages') }
}

const notInKafka = (topic: { name: string; phase: string }) =>
  conflict(`Topic ${topic.name} is not in Kafka yet (${topic.phase}); try again once it is Ready`)

/** Where the browse starts in each partition read (`ends`: where each ends now). */
async function startOf(
  reader: TopicReader,
  query: BrowseQuery,
  partitions: number[],
  ends: Map<number, bigint>,
): Promise<Start> {
  switch (query.start) {
    case 'newest':
      return {
        direction: 'backward',
        before: query.before ? offsetsOf(query.before, partitions, 'query.before') : new Map(),
      }
    case 'oldest':
      return { direction: 'forward', from: new Map(partitions.map((p) => [p, 0n])) }
    case 'offset':
      return {
        direction: 'forward',
        from: offsetsOf(query.offset ?? '0', partitions, 'query.offset'),
      }
    case 'timestamp': {
      const found = await reader.offsets(timestampOf(query.timestamp ?? '') ?? 0n)
      // -1: no message at or after the time; the partition starts at its end.
      const at = (p: number) => found.get(p) ?? -1n
      return {
        direction: 'forward',
        from: new Map(partitions.map((p) => [p, at(p) < 0n ? (ends.get(p) ?? 0n) : at(p)])),
      }
    }
  }
}

const encoder = new TextEncoder()

/** The lines as a byte stream; a browse that fails half-way ends with an `error` line. */
function ndjson(
  c: AppContext,
  lines: AsyncGenerator<BrowseLine>,
  cleanUp: () => Promise<void>,
): ReadableStream<Uint8Array> {
  const failed = (error: unknown): BrowseLine | { type: 'error'; problem: unknown } => {
    const known = error instanceof ApiError
    if (!known) c.get('log').error({ err: error }, 'message browse failed')
    const apiError = known ? error : new ApiError('internal', 'Something went wrong on our side')
    return { type: 'error', problem: toProblem(apiError, c.req.path, c.get('requestId')) }
  }
  let finished = false
  const finish = async () => {
    if (finished) return
    finished = true
    await cleanUp()
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let line: unknown
      try {
        const next = await lines.next()
        if (next.done) {
          await finish()
          controller.close()
          return
        }
        line = next.value
      } catch (error) {
        line = failed(error)
        await finish()
        controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`))
        controller.close()
        return
      }
      controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`))
    },
    async cancel() {
      await lines.return(undefined)
      await finish()
    },
  })
}

/**
 * A 200 whose body streams the lines. @hono/zod-openapi types JSON and text answers only
 * (application/x-ndjson maps to `never`), so the handler's answer is cast to what it expects.
 */
function streamed(c: AppContext, body: ReadableStream<Uint8Array>): never {
  return c.body(body, 200, {
    'content-type': 'application/x-ndjson',
    'cache-control': 'no-store',
    // Proxies that buffer (nginx) would hold the lines back until the end.
    'x-accel-buffering': 'no',
  }) as never
}

export function messageRoutes() {
  const app = newRouter()
  const open = new OpenBrowses()

  app.openapi(browseMessages, async (c) => {
    const query = c.req.valid('query')
    const errors = queryErrors(query)
    if (errors.length > 0) throw validationFailed(errors)
    const tenant = tenantOf(c)
    const { topic, pool } = await topicOf(c, tenant, c.req.valid('param'))
    const release = open.take(tenant.orgId)
    let reader: TopicReader | undefined
    let sandbox: FilterSandbox | undefined
    const cleanUp = async () => {
      release()
      await Promise.all([reader?.close(), sandbox?.close()])
    }
    try {
      const opened = await TopicReader.open(await kafkaOf(c).optionsFor(pool), topic.kafkaName)
      if (!opened) throw notInKafka(topic)
      reader = opened.reader
      const all = Array.from({ length: opened.partitions }, (_, p) => p)
      const partitions = query.partition === 'all' ? all : [Number(query.partition)]
      if (query.partition !== 'all' && !all.includes(Number(query.partition))) {
        throw validationFailed([
          {
            path: 'query.partition',
            message: `the topic has ${opened.partitions} partition(s), numbered from 0`,
          },
        ])
      }
      const [logStarts, ends] = await Promise.all([
        reader.offsets('earliest'),
        reader.offsets('latest'),
      ])
      const start = await startOf(reader, query, partitions, ends)
      const spans: Span[] = partitions.map((partition) => ({
        partition,
        logStart: logStarts.get(partition) ?? 0n,
        end: ends.get(partition) ?? 0n,
      }))
      if (query.filter !== undefined) sandbox = new FilterSandbox(query.filter)
      const filter = sandbox
      const lines = browse(reader, {
        spans,
        start,
        limit: query.limit,
        follow: query.follow,
        maxBytes: query.full ? Number.MAX_SAFE_INTEGER : query.maxBytes,
        ...(filter ? { filter: (records) => filter.test(records) } : {}),
        bounds: browseBounds,
        signal: c.req.raw.signal,
      })
      return streamed(c, ndjson(c, lines, cleanUp))
    } catch (error) {
      await cleanUp()
      throw error
    }
  })

  app.openapi(produceToTopic, async (c) => {
    const tenant = tenantOf(c)
    const { topic, pool } = await topicOf(c, tenant, c.req.valid('param'))
    if (topic.deletionRequestedAt) throw conflict(`Topic ${topic.name} is being deleted`)
    const produced = await produceMessage(
      await kafkaOf(c).producerFor(pool),
      topic.kafkaName,
      c.req.valid('json'),
    )
    if (produced === undefined) throw notInKafka(topic)
    await c.get('db').transaction((tx) =>
      enqueue(tx, {
        ...madeBy(c, tenant),
        action: 'topic.message.produce',
        targetName: topic.name,
        aggregateId: topic.id,
        payload: { partition: produced.partition, offset: produced.offset },
      }),
    )
    return c.json(produced, 201)
  })

  return app
}
