import { randomUUID } from 'node:crypto'
import { type Db, runStatement } from '../db/client.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { collisionKeyOf, maxKafkaNameLength } from '../kafka/names.ts'
import type { TopicSpec } from '../kafka/topic-plan.ts'
import { limitsFor } from '../quota/usage.ts'
import { type Change, changeColumns, changeColumnTypes, changeCtes } from './changes.ts'
import { type TopicRow, topicQuotaChange } from './topics.ts'

// Topic creates of one org in one statement: for each, the cluster (not being deleted, and
// leaving the name room in Kafka), then the quota check of `assertWithinQuota` for all of them
// at once, the rows, and their changes. The org's usage row stays locked only until the
// statement commits. A create that anything stands in the way of is not inserted; over quota,
// none is.
const createTopics = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS i(id uuid, cluster_name text, name text,
    collision_key text, partitions int, replication_factor int, config jsonb,
    retention_ms bigint, ${changeColumnTypes})
), usage AS (
  SELECT u.topics, u.partitions,
    coalesce(q.topics, $3) AS max_topics,
    coalesce(q.partitions, $4) AS max_partitions,
    coalesce(q.max_retention_ms, $5) AS max_retention_ms
  FROM org_usage u LEFT JOIN quota_overrides q ON q.org_id = u.org_id
  WHERE u.org_id = $1
  FOR UPDATE OF u
), topic AS (
  INSERT INTO topics (id, org_id, cluster_id, name, collision_key, kafka_name, partitions,
    replication_factor, config)
  SELECT i.id, $1, c.id, i.name, i.collision_key, c.kafka_prefix || i.name, i.partitions,
    i.replication_factor, i.config
  FROM input i
  JOIN clusters c ON c.org_id = $1 AND c.name = i.cluster_name
    AND c.deletion_requested_at IS NULL AND length(c.kafka_prefix || i.name) <= $6
  CROSS JOIN usage
  WHERE usage.topics + (SELECT count(*) FROM input) <= usage.max_topics
    AND usage.partitions + (SELECT sum(partitions) FROM input) <= usage.max_partitions
    AND (i.retention_ms IS NULL OR (i.retention_ms <> -1 AND i.retention_ms <= usage.max_retention_ms))
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
      const limits = limitsFor(org.plan, null)
      // Over quota together, each goes the general path, which lets in as many as fit.
      const rows = await runStatement<TopicRow>(db, 'create_topics', createTopics, [
        org.id,
        JSON.stringify(batch.map((waiting) => waiting.input)),
        limits.topics,
        limits.partitions,
        limits.maxRetentionMs,
        maxKafkaNameLength,
      ])
      const byId = new Map(rows.map((row) => [row.id, row]))
      for (const waiting of batch) waiting.done(byId.get(waiting.id))
    } catch (error) {
      for (const waiting of batch) waiting.failed(error)
    }
  }
  orgs.delete(org.id)
}

/**
 * Creates the topic when nothing stands in its way; undefined when anything does (no such
 * cluster, over quota, a name taken), and the general path then says what.
 *
 * A create's statement holds the org's usage row until its commit is on disk, so one org's
 * creates take turns. Those that arrive while one runs go together in the next statement, and
 * share its commit: PostgreSQL groups the commits of independent transactions, but not across
 * a row lock.
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
    retention_ms: topicQuotaChange(undefined, spec).retentionMs ?? null,
    ...changeColumns(change),
  }
  return new Promise((done, failed) => {
    let orgs = queues.get(db)
    if (!orgs) {
      orgs = new Map()
      queues.set(db, orgs)
    }
    const waiting = { id, input, done, failed }
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
