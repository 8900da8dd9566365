import { randomUUID } from 'node:crypto'
import { type Db, runStatement } from '../db/client.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { collisionKeyOf, maxKafkaNameLength } from '../kafka/names.ts'
import type { TopicSpec } from '../kafka/topic-plan.ts'
import { changesThatFit, type PlannedChange } from '../quota/limits.ts'
import { readQuota } from '../quota/usage.ts'
import { type Change, changeColumns, changeColumnTypes, changeCtes } from './changes.ts'
import { type TopicRow, topicQuotaChange } from './topics.ts'

// Topic creates of one org in one statement: for each, the cluster (not being deleted, and
// leaving the name room in Kafka), the row, and its change. The quota was decided before, by
// the rules of the general path, on the org's quota rows as read then: the statement locks the
// usage row and writes nothing unless both rows are still the versions that were read. The
// usage row stays locked only until the statement commits.
const createTopics = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS i(id uuid, cluster_name text, name text,
    collision_key text, partitions int, replication_factor int, config jsonb,
    ${changeColumnTypes})
), quota_as_read AS (
  SELECT u.org_id
  FROM org_usage u LEFT JOIN quota_overrides q ON q.org_id = u.org_id
  WHERE u.org_id = $1 AND u.xmin::text = $3 AND q.xmin::text IS NOT DISTINCT FROM $4
  FOR UPDATE OF u
), topic AS (
  INSERT INTO topics (id, org_id, cluster_id, name, collision_key, kafka_name, partitions,
    replication_factor, config)
  SELECT i.id, $1, c.id, i.name, i.collision_key, c.kafka_prefix || i.name, i.partitions,
    i.replication_factor, i.config
  FROM input i
  JOIN clusters c ON c.org_id = $1 AND c.name = i.cluster_name
    AND c.deletion_requested_at IS NULL AND length(c.kafka_prefix || i.name) <= $5
  CROSS JOIN quota_as_read
  ON CONFLICT DO NOTHING
  RETURNING *
), changed AS (
  SELECT i.org_id, i.actor_type, i.actor_id, i.actor_label, i.action, i.target_type,
    i.target_name, i.request_id, i.aggregate_id, i.payload
  FROM topic JOIN input i ON i.id = topic.id
), ${changeCtes('changed')}
SELECT * FROM topic`

interface Waiting {
  id: string
  input: Record<string, unknown>
  quota: PlannedChange
  done(row: TopicRow | undefined): void
  failed(error: unknown): void
}

const maxBatch = 100
// One queue per database and org: creates that arrive while the org's statement runs.
const queues = new WeakMap<Db, Map<string, Waiting[]>>()

interface Org {
  id: string
  plan: string
}

// The org's plan as the request that started the queue saw it.
async function drain(db: Db, org: Org, queue: Waiting[], orgs: Map<string, Waiting[]>) {
  while (queue.length > 0) {
    const batch = queue.splice(0, maxBatch)
    try {
      const created = await createFitting(db, org, batch)
      for (const waiting of batch) waiting.done(created.get(waiting.id))
    } catch (error) {
      for (const waiting of batch) waiting.failed(error)
    }
  }
  orgs.delete(org.id)
}

/**
 * Creates those of the batch that fit the quota, in the order they came, as the general path
 * would one by one; answers the rows made. The others go the general path, which says why, as
 * do all of them when the org's quota rows changed between their read and the write.
 */
async function createFitting(db: Db, org: Org, batch: Waiting[]): Promise<Map<string, TopicRow>> {
  const quota = await readQuota(db, { orgId: org.id, plan: org.plan }, { lock: false })
  const fits = changesThatFit(
    quota.limits,
    quota.use,
    batch.map((waiting) => waiting.quota),
  )
  const fitting = batch.filter((_, i) => fits[i])
  if (fitting.length === 0) return new Map()
  const rows = await runStatement<TopicRow>(db, 'create_topics', createTopics, [
    org.id,
    JSON.stringify(fitting.map((waiting) => waiting.input)),
    quota.versions.usage,
    quota.versions.override,
    maxKafkaNameLength,
  ])
  return new Map(rows.map((row) => [row.id, row]))
}

/**
 * Creates the topic when nothing stands in its way; undefined when anything does (no such
 * cluster, over quota, a name taken), and the general path then says what.
 *
 * A create's statement holds the org's usage row until its commit is on disk, and the next
 * one's quota is read after that, so one org's creates take turns. Those that arrive while one
 * runs go together in the next statement, and share its commit: PostgreSQL groups the commits
 * of independent transactions, but not across a row lock.
 */
export function createTopicAtOnce(
  c: AppContext,
  tenant: Tenant,
  clusterName: string,
  name: string,
  spec: TopicSpec,
): Promise<TopicRow | undefined> {
  const db = c.get('db')
  const id = randomUUID()
  const change: Change = {
    orgId: tenant.orgId,
    actor: tenant.actor,
    requestId: c.get('requestId'),
    action: 'topic.create',
    targetName: name,
    aggregateId: id,
    payload: { spec },
  }
  const input = {
    id,
    cluster_name: clusterName,
    name,
    collision_key: collisionKeyOf(name),
    partitions: spec.partitions,
    replication_factor: spec.replicationFactor,
    config: spec.config,
    ...changeColumns(change),
  }
  const quota = topicQuotaChange(undefined, spec)
  return new Promise((done, failed) => {
    let orgs = queues.get(db)
    if (!orgs) {
      orgs = new Map()
      queues.set(db, orgs)
    }
    const waiting = { id, input, quota, done, failed }
    const queue = orgs.get(tenant.orgId)
    if (queue) {
      queue.push(waiting)
      return
    }
    const started = [waiting]
    orgs.set(tenant.orgId, started)
    void drain(db, { id: tenant.orgId, plan: tenant.plan }, started, orgs)
  })
}
