import { kafkaName } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import { type AppContext, kafkaOf, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problem, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { groupStates } from '../kafka/group-offsets.ts'
import { ConsumerGroups } from '../kafka/groups.ts'
import { TopicNameSchema } from '../kafka/names.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { findClusterOr404, sharedPoolOf } from '../resources/clusters.ts'
import { decodeCursor, encodeCursor, PageQuerySchema, pageOf } from '../resources/pagination.ts'
import { ClusterParams } from './schemas.ts'

const GroupParams = ClusterParams.extend({
  group: z
    .string()
    .min(1)
    .max(249)
    .openapi({
      param: { name: 'group', in: 'path' },
      description: 'The short name, without the cluster prefix: orders-consumers',
    }),
})

const GroupStateSchema = z.enum(groupStates).openapi('ConsumerGroupState')
const lag = z.number().int().nullable()

const ConsumerGroupSummarySchema = z
  .object({
    name: z.string().openapi({ description: 'Without the cluster prefix' }),
    state: GroupStateSchema,
    memberCount: z.number().int(),
    topics: z.array(z.string()).openapi({ description: 'Topics it committed offsets on' }),
    lag: lag.openapi({
      description:
        'Messages left to read over all its partitions; null when Kafka did not tell an end offset or a partition has no committed offset yet',
    }),
  })
  .openapi('ConsumerGroupSummary')

const ConsumerGroupMemberSchema = z
  .object({
    memberId: z.string(),
    instanceId: z.string().nullable().openapi({ description: 'group.instance.id, if static' }),
    clientId: z.string(),
    host: z.string(),
    assignments: z.array(z.object({ topic: z.string(), partitions: z.array(z.number().int()) })),
  })
  .openapi('ConsumerGroupMember')

const ConsumerGroupPartitionSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    committedOffset: z.number().int().nullable().openapi({
      description: 'The next offset the group reads; null when it committed none',
    }),
    endOffset: z.number().int().nullable().openapi({
      description: 'The offset the next message gets; null when Kafka did not answer for it',
    }),
    lag,
    memberId: z.string().nullable().openapi({ description: 'The member assigned to it, if any' }),
  })
  .openapi('ConsumerGroupPartition')

const ConsumerGroupSchema = ConsumerGroupSummarySchema.extend({
  topics: z.array(z.string()).openapi({ description: 'Topics it committed on or is assigned' }),
  assignor: z.string().openapi({ description: 'The partition assignor, e.g. range' }),
  members: z.array(ConsumerGroupMemberSchema),
  partitions: z.array(ConsumerGroupPartitionSchema),
}).openapi('ConsumerGroup')

const resetFields = {
  topics: z.array(TopicNameSchema).min(1).max(1_000).optional().openapi({
    description:
      'Reset every partition of these topics; without it, every partition the group committed on',
  }),
  dryRun: z.boolean().default(false).openapi({
    description: 'Answer the new offsets without changing them',
  }),
}

const ResetOffsetsSchema = z
  .discriminatedUnion('to', [
    z.object({ to: z.literal('earliest'), ...resetFields }).strict(),
    z.object({ to: z.literal('latest'), ...resetFields }).strict(),
    z
      .object({
        to: z.literal('timestamp'),
        timestamp: z.iso.datetime({ offset: true }).openapi({
          description: 'The first message at or after this time; the end when every one is older',
        }),
        ...resetFields,
      })
      .strict(),
    z
      .object({
        to: z.literal('offset'),
        offset: z.number().int().min(0).openapi({
          description: 'The same offset on every partition, brought into each log',
        }),
        ...resetFields,
      })
      .strict(),
  ])
  .openapi('ResetOffsets')

const OffsetResetSchema = z
  .object({
    name: z.string(),
    dryRun: z.boolean(),
    partitions: z.array(
      z.object({
        topic: z.string(),
        partition: z.number().int(),
        previousOffset: z.number().int().nullable(),
        newOffset: z.number().int(),
      }),
    ),
  })
  .openapi('OffsetReset')

const tags = ['consumer groups']
const collection = '/v1/orgs/{org}/clusters/{cluster}/groups'
const kafkaProblems = {
  ...problem(
    409,
    'The cluster has no Kafka yet (or is dedicated), or a reset found the group not empty (group_not_empty)',
  ),
  ...problems(503),
}

const listGroups = orgRoute('viewer', {
  method: 'get',
  path: collection,
  tags,
  summary: "The cluster's consumer groups, with state, members and total lag",
  request: {
    params: ClusterParams,
    query: PageQuerySchema.extend({
      topic: TopicNameSchema.optional().openapi({
        description: 'Only the groups that committed offsets on this topic',
      }),
    }),
  },
  responses: {
    200: jsonResponse('A page of groups, by name', pageOf(ConsumerGroupSummarySchema)),
    ...kafkaProblems,
  },
})

const getGroup = orgRoute('viewer', {
  method: 'get',
  path: `${collection}/{group}`,
  tags,
  summary: 'A consumer group: members and, per partition, committed offset, end offset and lag',
  request: { params: GroupParams },
  responses: { 200: jsonResponse('The group', ConsumerGroupSchema), ...kafkaProblems },
})

const resetOffsets = orgRoute('developer', {
  method: 'post',
  path: `${collection}/{group}/reset-offsets`,
  tags,
  summary: "Move an empty group's committed offsets (or, with dryRun, say where they would go)",
  description:
    'Only while the group has no members (409 group_not_empty otherwise, dry run or not). Naming `topics` resets every partition of them, and makes the group if it does not exist yet.',
  request: { params: GroupParams, body: jsonBody(ResetOffsetsSchema) },
  responses: {
    200: jsonResponse(
      'The new offset of each partition (changed unless dryRun)',
      OffsetResetSchema,
    ),
    ...kafkaProblems,
  },
})

/** The cluster's groups through its pool's admin client; 409 while the cluster has no pool. */
async function groupsOf(c: AppContext, clusterName: string) {
  const tenant = tenantOf(c)
  const cluster = await findClusterOr404(c.get('db'), tenant, clusterName)
  const pool = sharedPoolOf(cluster, 'consumer groups')
  const admin = await kafkaOf(c).forPool(pool)
  return { tenant, cluster, groups: new ConsumerGroups(admin, cluster.kafkaPrefix) }
}

export function groupRoutes() {
  const app = newRouter()

  app.openapi(listGroups, async (c) => {
    const { cluster, limit, cursor, topic } = { ...c.req.valid('param'), ...c.req.valid('query') }
    const after = cursor ? decodeCursor<string>(cursor, 'string') : undefined
    const { groups } = await groupsOf(c, cluster)
    const page = await groups.list({ after, limit, topic })
    const last = page.items.at(-1)
    return c.json(
      { items: page.items, nextCursor: page.more && last ? encodeCursor(last.name) : null },
      200,
    )
  })

  app.openapi(getGroup, async (c) => {
    const { cluster, group } = c.req.valid('param')
    const { groups } = await groupsOf(c, cluster)
    return c.json(await groups.describe(group), 200)
  })

  app.openapi(resetOffsets, async (c) => {
    const { cluster: clusterName, group } = c.req.valid('param')
    const { topics, dryRun, ...target } = c.req.valid('json')
    const { tenant, cluster, groups } = await groupsOf(c, clusterName)
    const reset = await groups.reset(
      group,
      target.to === 'timestamp'
        ? { to: 'timestamp', timestamp: new Date(target.timestamp) }
        : target,
      { topics, dryRun },
    )
    if (!dryRun) {
      const name = kafkaName(cluster.kafkaPrefix, group)
      await c.get('db').transaction((tx) =>
        enqueue(tx, {
          ...madeBy(c, tenant),
          action: 'group.offsets.reset',
          targetName: name,
          aggregateId: name,
          payload: { to: target.to, partitions: reset.partitions },
        }),
      )
    }
    return c.json(reset, 200)
  })

  return app
}
