import { kafkaName } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import { and, eq, getTableColumns } from 'drizzle-orm'
import { type Db, type Executor, runStatement, type Tx } from '../db/client.ts'
import { type clusters, topics } from '../db/schema/index.ts'
import {
  conflict,
  type FieldError,
  isUniqueViolation,
  notFound,
  parseOrFail,
  validationFailed,
} from '../errors.ts'
import type { Tenant } from '../http/context.ts'
import { collisionKeyOf, kafkaNameLengthError, TopicNameSchema } from '../kafka/names.ts'
import { normalizeTopicConfig } from '../kafka/topic-config.ts'
import { diffTopicSpec, type TopicSpec, updateErrors } from '../kafka/topic-plan.ts'
import type { PlannedChange } from '../quota/limits.ts'
import { assertWithinQuota } from '../quota/usage.ts'
import { findClusterOr404 } from './clusters.ts'
import type { ResourceKind } from './declarative.ts'
import { pageFrom } from './pagination.ts'
import { MetadataShape, metadataOf, phaseAfterChange, StatusSchema, statusOf } from './status.ts'

const ConfigValue = z.union([z.string(), z.number(), z.boolean()])

const TopicSpecFields = z.object({
  partitions: z.number().int().min(1).max(10_000),
  replicationFactor: z.number().int().min(1).max(7).optional(),
  config: z
    .record(z.string(), ConfigValue)
    .default({})
    .openapi({ example: { 'retention.ms': 86_400_000, 'cleanup.policy': 'delete' } }),
})

export const TopicSpecSchema = TopicSpecFields.strict().openapi('TopicSpec')
export const CreateTopicSchema = TopicSpecFields.extend({ name: TopicNameSchema })
  .strict()
  .openapi('CreateTopic')
export const TopicPatchSchema = z
  .object({
    partitions: z.number().int().min(1).max(10_000),
    replicationFactor: z.number().int().min(1).max(7),
    config: z.record(z.string(), ConfigValue.nullable()),
  })
  .partial()
  .strict()
  .openapi('TopicPatch', { description: 'JSON merge patch: a null config value removes the key' })

export type TopicSpecInput = z.input<typeof TopicSpecSchema>

export const TopicSchema = z
  .object({
    ...MetadataShape,
    name: z.string(),
    cluster: z.string(),
    kafkaName: z.string(),
    partitions: z.number().int(),
    replicationFactor: z.number().int(),
    config: z.record(z.string(), z.string()),
    status: StatusSchema,
  })
  .openapi('Topic')

// Every column but `document`, the widest, which only the list route reads: what the writes,
// GET and a bulk apply's read of a whole cluster select and return.
const { document: _document, ...columns } = getTableColumns(topics)
export const topicColumns = columns
export type TopicRow = Omit<typeof topics.$inferSelect, 'document'>
type ClusterRow = typeof clusters.$inferSelect

export function presentTopic(cluster: { name: string }) {
  return (row: TopicRow): z.infer<typeof TopicSchema> => ({
    ...metadataOf(row),
    name: row.name,
    cluster: cluster.name,
    kafkaName: row.kafkaName,
    partitions: row.partitions,
    replicationFactor: row.replicationFactor,
    config: row.config,
    status: statusOf(row),
  })
}

// A page of topics as PostgreSQL keeps each one rendered (see `topics.document`), so that
// listing thousands of topics, as a Terraform refresh does, costs neither side work per row.
const topicDocuments = `
SELECT t.name, t.document
FROM topics t
WHERE t.org_id = $1 AND t.name > $3
  AND t.cluster_id = (SELECT id FROM clusters WHERE org_id = $1 AND name = $2)
ORDER BY t.name
LIMIT $4`

/**
 * The JSON of a page of the cluster's topics after `after` (a name), as the list route answers;
 * 404 when the tenant has no such cluster.
 */
export async function topicPageJson(
  db: Db,
  tenant: Tenant,
  clusterName: string,
  after: string | undefined,
  limit: number,
): Promise<string> {
  const rows = await runStatement<{ name: string; document: string }>(
    db,
    'topic_documents',
    topicDocuments,
    [tenant.orgId, clusterName, after ?? '', limit + 1],
  )
  // Only an empty page needs to ask whether the cluster is there at all.
  if (rows.length === 0) await findClusterOr404(db, tenant, clusterName)
  const cluster = `{"cluster":${JSON.stringify(clusterName)},`
  const page = pageFrom(
    rows,
    limit,
    (row) => row.name,
    (row) => cluster + row.document.slice(1),
  )
  return `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`
}

/** The cluster's topic by name, as the reads of its Kafka topic find it; 404 when there is none. */
export async function findTopicOr404(
  db: Executor,
  tenant: Tenant,
  cluster: ClusterRow,
  name: string,
): Promise<TopicRow> {
  const [row] = await db
    .select(topicColumns)
    .from(topics)
    .where(
      and(eq(topics.orgId, tenant.orgId), eq(topics.clusterId, cluster.id), eq(topics.name, name)),
    )
  if (!row) throw notFound(`Topic ${name}`)
  return row
}

export function topicSpecOf(row: TopicRow): TopicSpec {
  return {
    partitions: row.partitions,
    replicationFactor: row.replicationFactor,
    config: row.config,
  }
}

/** Kafka's rules for one topic; errors carry `path` so a bulk apply can say which topic. */
export function normalizeTopicSpec(
  input: TopicSpecInput,
  defaultReplicationFactor: number,
  path = '',
): { spec: TopicSpec; errors: FieldError[] } {
  const replicationFactor = input.replicationFactor ?? defaultReplicationFactor
  const { config, errors } = normalizeTopicConfig(input.config ?? {}, replicationFactor)
  return {
    spec: { partitions: input.partitions, replicationFactor, config },
    errors: errors.map((error) => ({ ...error, path: `${path}${error.path}` })),
  }
}

/** A topic spec as a request gives it, checked against Kafka's rules; 422 when it breaks one. */
export function parseTopicSpec(input: unknown, defaultReplicationFactor: number): TopicSpec {
  const { spec, errors } = normalizeTopicSpec(
    parseOrFail(TopicSpecSchema, input),
    defaultReplicationFactor,
  )
  if (errors.length > 0) throw validationFailed(errors)
  return spec
}

function retentionOf(spec: TopicSpec): number | undefined {
  const value = spec.config['retention.ms']
  return value === undefined ? undefined : Number(value)
}

/** The quota a topic change consumes: what it adds, and the retention it newly asks for. */
export function topicQuotaChange(
  from: TopicSpec | undefined,
  to: TopicSpec | undefined,
): PlannedChange {
  const retention = to && retentionOf(to)
  return {
    topics: (to ? 1 : 0) - (from ? 1 : 0),
    partitions: (to?.partitions ?? 0) - (from?.partitions ?? 0),
    ...(retention !== undefined && retention !== (from && retentionOf(from))
      ? { retentionMs: retention }
      : {}),
  }
}

export function assertTopicNameFits(cluster: ClusterRow, name: string, path = 'name'): void {
  const problem = kafkaNameLengthError(cluster.kafkaPrefix, name)
  if (problem) throw validationFailed([{ path, message: problem }])
}

export async function insertTopic(
  tx: Tx,
  tenant: Tenant,
  cluster: ClusterRow,
  name: string,
  spec: TopicSpec,
) {
  try {
    const [row] = await tx
      .insert(topics)
      .values({
        orgId: tenant.orgId,
        clusterId: cluster.id,
        name,
        collisionKey: collisionKeyOf(name),
        kafkaName: kafkaName(cluster.kafkaPrefix, name),
        ...spec,
      })
      .returning(topicColumns)
    if (!row) throw new Error('insert returned nothing')
    return row
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(
        `Topic ${name} would collide with an existing topic ('.' and '_' are one in Kafka metrics)`,
      )
    }
    throw error
  }
}

export async function updateTopic(tx: Tx, row: TopicRow, spec: TopicSpec) {
  const [updated] = await tx
    .update(topics)
    .set({
      ...spec,
      generation: row.generation + 1,
      phase: phaseAfterChange(row),
      updatedAt: new Date(),
    })
    .where(eq(topics.id, row.id))
    .returning(topicColumns)
  if (!updated) throw new Error('update returned nothing')
  return updated
}

export async function markTopicDeleting(tx: Tx, row: TopicRow) {
  const now = new Date()
  const [updated] = await tx
    .update(topics)
    .set({ phase: 'Deleting', deletionRequestedAt: now, updatedAt: now })
    .where(eq(topics.id, row.id))
    .returning(topicColumns)
  if (!updated) throw new Error('update returned nothing')
  return updated
}

export function topicKind(
  tenant: Tenant,
  cluster: ClusterRow,
  defaultReplicationFactor: number,
): ResourceKind<TopicRow, TopicSpec, z.infer<typeof TopicSchema>> {
  const guardCluster = () => {
    if (cluster.deletionRequestedAt) throw conflict(`Cluster ${cluster.name} is being deleted`)
  }
  return {
    type: 'topic',
    label: 'Topic',
    async find(tx, name) {
      const [row] = await tx
        .select(topicColumns)
        .from(topics)
        .where(
          and(
            eq(topics.orgId, tenant.orgId),
            eq(topics.clusterId, cluster.id),
            eq(topics.name, name),
          ),
        )
        .for('update')
      return row
    },
    present: presentTopic(cluster),
    specOf: topicSpecOf,
    parseSpec: (input) => parseTopicSpec(input, defaultReplicationFactor),
    async create(tx, name, spec) {
      guardCluster()
      parseOrFail(TopicNameSchema, name)
      assertTopicNameFits(cluster, name)
      await assertWithinQuota(tx, tenant, topicQuotaChange(undefined, spec))
      return insertTopic(tx, tenant, cluster, name, spec)
    },
    async update(tx, row, spec) {
      guardCluster()
      const errors = updateErrors(topicSpecOf(row), spec)
      if (errors.length > 0) throw validationFailed(errors)
      if (diffTopicSpec(topicSpecOf(row), spec).length === 0) return undefined
      await assertWithinQuota(tx, tenant, topicQuotaChange(topicSpecOf(row), spec))
      return updateTopic(tx, row, spec)
    },
    markDeleting: markTopicDeleting,
  }
}
