import { ApiError, conflict, toProblem, validationFailed } from '../errors.ts'
import { type AppContext, kafkaOf, type Tenant, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problem, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { FilterSandbox } from '../kafka/filter-sandbox.ts'
import {
  type BrowseLine,
  browse,
  browseBounds,
  type Span,
  type Start,
} from '../kafka/message-browse.ts'
import { produceMessage } from '../kafka/message-produce.ts'
import { TopicNameSchema } from '../kafka/names.ts'
import { TopicReader } from '../kafka/topic-reader.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { findClusterOr404, sharedPoolOf } from '../resources/clusters.ts'
import {
  BrowseLineSchema,
  type BrowseQuery,
  BrowseQuerySchema,
  offsetsOf,
  ProducedSchema,
  ProduceMessageSchema,
  queryErrors,
  timestampOf,
} from '../resources/messages.ts'
import { findTopicOr404 } from '../resources/topics.ts'
import { ClusterParams } from './schemas.ts'

const TopicParams = ClusterParams.extend({
  topic: TopicNameSchema.openapi({ param: { name: 'topic', in: 'path' } }),
})

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

/** `stopping` aborts when the api shuts down: browses then end with their `done` line. */
export function messageRoutes(stopping: AbortSignal) {
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
        stopping,
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
