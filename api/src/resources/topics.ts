import { kafkaName } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import { and, eq, getTableColumns, inArray } from 'drizzle-orm'
import { type Db, type Executor, runStatement, type Tx } from '../db/client.ts'
import { type clusters, topics } from '../db/schema/index.ts'
import {
  type ApiError,
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

/** Rows one statement inserts or marks at most: PostgreSQL takes 65,535 parameters. */
const rowsPerStatement = 1_000

const collisionMessage = (name: string, other?: string) =>
  `Topic ${name} would collide with ${other ? `topic ${other}` : 'an existing topic'} ('.' and '_' are one in Kafka metrics)`

export async function insertTopic(
  tx: Tx,
  tenant: Tenant,
  cluster: ClusterRow,
  name: string,
  spec: TopicSpec,
) {
  const [row] = await insertTopics(tx, tenant, cluster, [{ name, spec }])
  if (!row) throw new Error('insert returned nothing')
  return row
}

/**
 * Inserts new topics of one cluster, up to a thousand rows a statement, and returns their
 * rows by name. The caller refuses names that collide with the cluster's topics it read; one
 * made meanwhile by another request still fails the insert, as a conflict.
 */
export async function insertTopics(
  tx: Tx,
  tenant: Tenant,
  cluster: ClusterRow,
  created: { name: string; spec: TopicSpec }[],
): Promise<TopicRow[]> {
  const inserted: TopicRow[] = []
  for (let start = 0; start < created.length; start += rowsPerStatement) {
    const chunk = created.slice(start, start + rowsPerStatement)
    try {
      const rows = await tx
        .insert(topics)
        .values(
          chunk.map(({ name, spec }) => ({
            orgId: tenant.orgId,
            clusterId: cluster.id,
            name,
            collisionKey: collisionKeyOf(name),
            kafkaName: kafkaName(cluster.kafkaPrefix, name),
            ...spec,
          })),
        )
        .returning(topicColumns)
      inserted.push(...rows)
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      const [first] = chunk
      throw conflict(
        chunk.length === 1 && first
          ? collisionMessage(first.name)
          : `A topic of the list would collide with one created meanwhile ('.' and '_' are one in Kafka metrics); nothing was applied`,
      )
    }
  }
  return inserted
}

/**
 * The first of `names` that would collide, once '.' and '_' are one, with a topic the cluster
 * has (`existing`) or with a name before it in the list, as a conflict to throw.
 */
export function collisionIn(names: string[], existing: string[]): ApiError | undefined {
  const taken = new Map(existing.map((name) => [collisionKeyOf(name), name]))
  for (const name of names) {
    const key = collisionKeyOf(name)
    const other = taken.get(key)
    if (other !== undefined && other !== name) return conflict(collisionMessage(name, other))
    taken.set(key, name)
  }
  return undefined
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
  const [updated] = await markTopicsDeleting(tx, [row])
  if (!updated) throw new Error('update returned nothing')
  return updated
}

/** Marks topics for deletion, up to a thousand a statement, and returns their rows. */
export async function markTopicsDeleting(tx: Tx, rows: TopicRow[]): Promise<TopicRow[]> {
  const now = new Date()
  const updated: TopicRow[] = []
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const ids = rows.slice(start, start + rowsPerStatement).map((row) => row.id)
    updated.push(
      ...(await tx
        .update(topics)
        .set({ phase: 'Deleting', deletionRequestedAt: now, updatedAt: now })
        .where(inArray(topics.id, ids))
        .returning(topicColumns)),
    )
  }
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
