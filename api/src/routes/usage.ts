import { z } from '@hono/zod-openapi'
import { and, asc, eq, gte, isNull, lt, sum } from 'drizzle-orm'
import { topics, usageRollups, usageSamples } from '../db/schema/index.ts'
import { invalidField, notFound } from '../errors.ts'
import { tenantOf } from '../http/context.ts'
import { jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { findClusterOr404 } from '../resources/clusters.ts'
import { OrgParams } from './schemas.ts'

const hour = 60 * 60 * 1000
// Bounds the number of points one answer can hold.
const maxSpanMs = { raw: 2 * 24 * hour, hour: 31 * 24 * hour, day: 366 * 24 * hour }

const UsageQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).openapi({ example: '2026-01-01T00:00:00Z' }),
  to: z.iso.datetime({ offset: true }).openapi({ example: '2026-01-02T00:00:00Z' }),
  granularity: z.enum(['raw', 'hour', 'day']).default('hour'),
  cluster: z.string().max(40).optional(),
  topic: z.string().max(249).optional().openapi({ description: 'Needs cluster' }),
})

const count = z.number().int()
const UsageSchema = z
  .object({
    granularity: z.enum(['raw', 'hour', 'day']),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    points: z.array(
      z.object({
        time: z.iso.datetime(),
        partitions: count,
        storageBytes: count,
        messagesIn: count,
        bytesIn: count,
        bytesOut: count,
      }),
    ),
  })
  .openapi('Usage')

const getUsage = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}/usage',
  tags: ['usage'],
  summary: 'Usage over a time range: raw samples or hourly/daily rollups',
  request: { params: OrgParams, query: UsageQuerySchema },
  responses: { 200: jsonResponse('Usage points, oldest first', UsageSchema) },
})

export function usageRoutes() {
  const app = newRouter()

  app.openapi(getUsage, async (c) => {
    const tenant = tenantOf(c)
    const query = c.req.valid('query')
    const from = new Date(query.from)
    const to = new Date(query.to)
    if (to <= from) throw invalidField('query.to', 'must be after from')
    if (to.getTime() - from.getTime() > maxSpanMs[query.granularity]) {
      throw invalidField(
        'query.to',
        `${query.granularity} usage spans at most ${maxSpanMs[query.granularity] / hour} hours`,
      )
    }
    if (query.topic && !query.cluster) throw invalidField('query.topic', 'needs cluster')
    const db = c.get('db')
    const cluster = query.cluster ? await findClusterOr404(db, tenant, query.cluster) : undefined
    let topicId: string | null = null
    if (cluster && query.topic) {
      const [topic] = await db
        .select({ id: topics.id })
        .from(topics)
        .where(
          and(
            eq(topics.orgId, tenant.orgId),
            eq(topics.clusterId, cluster.id),
            eq(topics.name, query.topic),
          ),
        )
      if (!topic) throw notFound(`Topic ${query.topic}`)
      topicId = topic.id
    }
    const raw = query.granularity === 'raw'
    const table = raw ? usageSamples : usageRollups
    const time = raw ? usageSamples.sampledAt : usageRollups.bucketStart
    const rows = await db
      .select({
        time,
        partitions: sum(table.partitions),
        storageBytes: sum(table.storageBytes),
        messagesIn: sum(table.messagesIn),
        bytesIn: sum(table.bytesIn),
        bytesOut: sum(table.bytesOut),
      })
      .from(table)
      .where(
        and(
          eq(table.orgId, tenant.orgId),
          raw ? undefined : eq(usageRollups.granularity, query.granularity),
          cluster ? eq(table.clusterId, cluster.id) : undefined,
          topicId ? eq(table.topicId, topicId) : isNull(table.topicId),
          gte(time, from),
          lt(time, to),
        ),
      )
      .groupBy(time)
      .orderBy(asc(time))
    return c.json(
      {
        granularity: query.granularity,
        from: from.toISOString(),
        to: to.toISOString(),
        points: rows.map((row) => ({
          time: row.time.toISOString(),
          partitions: Number(row.partitions ?? 0),
          storageBytes: Number(row.storageBytes ?? 0),
          messagesIn: Number(row.messagesIn ?? 0),
          bytesIn: Number(row.bytesIn ?? 0),
          bytesOut: Number(row.bytesOut ?? 0),
        })),
      },
      200,
    )
  })

  return app
}
