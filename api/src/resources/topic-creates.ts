import { randomUUID } from 'node:crypto'
import { type Db, runStatement } from '../db/client.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { collisionKeyOf, maxKafkaNameLength } from '../kafka/names.ts'
import type { TopicSpec } from '../kafka/topic-plan.ts'
import { changesThatFit, combinedChange, type PlannedChange, useAfter } from '../quota/limits.ts'
import { type QuotaState, readQuota } from '../quota/usage.ts'
import { type Change, changeColumns, changeColumnTypes, changeCtes, madeBy } from './changes.ts'
import { type TopicRow, topicQuotaChange } from './topics.ts'

// Topic creates of one org in one statement: for each, the cluster (not being deleted, and
// leaving the name room in Kafka), the row, and its change. The quota was decided before, by
// the rules of the general path, on counts and limits the statement checks: it locks the usage
// row and writes nothing unless the row holds the counts the decision was made on and the
// override row is the version its limits came from. So a decision on counts that were wrong or
// have changed writes nothing. The usage row stays locked only until the statement commits.
const createTopics = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS i(id uuid, cluster_name text, name text,
    collision_key text, partitions int, replication_factor int, config jsonb,
    ${changeColumnTypes})
), quota_as_decided AS (
  SELECT u.org_id
  FROM org_usage u LEFT JOIN quota_overrides q ON q.org_id = u.org_id
  WHERE u.org_id = $1 AND u.clusters = $3 AND u.topics = $4 AND u.partitions = $5
    AND q.xmin::text IS NOT DISTINCT FROM $6
  FOR UPDATE OF u
), topic AS (
  INSERT INTO topics (id, org_id, cluster_id, name, collision_key, kafka_name, partitions,
    replication_factor, config)
  SELECT i.id, $1, c.id, i.name, i.collision_key, c.kafka_prefix || i.name, i.partitions,
    i.replication_factor, i.config
  FROM input i
  JOIN clusters c ON c.org_id = $1 AND c.name = i.cluster_name
    AND c.deletion_requested_at IS NULL AND length(c.kafka_prefix || i.name) <= $7
  CROSS JOIN quota_as_decided
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

/** An org's quota state as its last statement left it, for the plan it was decided for. */
interface KnownQuota extends QuotaState {
  plan: string
}

interface Org {
  id: string
  plan: string
}

const maxBatch = 100
const maxKnownOrgs = 10_000

// Per database: the creates of each org that arrive while its statement runs, and what each
// org's last statement left its quota at. That is only a guess (other writers, other replicas
// change the counts too) which saves reading the quota rows before each statement: the
// statement checks the counts of a guess that lets creates in, and a guess that keeps any out
// is read again before the general path is left to refuse it.
interface PerDatabase {
  queues: Map<string, Waiting[]>
  known: Map<string, KnownQuota>
}
const perDatabase = new WeakMap<Db, PerDatabase>()

function remember(known: Map<string, KnownQuota>, orgId: string, quota: KnownQuota) {
  // Re-inserted at the end, so that the first is the org longest without a create.
  known.delete(orgId)
  known.set(orgId, quota)
  if (known.size > maxKnownOrgs) known.delete(known.keys().next().value as string)
}

// The org's plan as the request that started the queue saw it.
async function drain(db: Db, org: Org, queue: Waiting[], { queues, known }: PerDatabase) {
  while (queue.length > 0) {
    const batch = queue.splice(0, maxBatch)
    try {
      const created = await createFitting(db, org, batch, known)
      for (const waiting of batch) waiting.done(created.get(waiting.id))
    } catch (error) {
      known.delete(org.id)
      for (const waiting of batch) waiting.failed(error)
    }
  }
  queues.delete(org.id)
}

/**
 * Creates those of the batch that fit the quota, in the order they came, as the general path
 * would one by one; answers the rows made. The others go the general path, which says why, as
 * do all of them when the quota rows change between their read and the write.
 */
async function createFitting(
  db: Db,
  org: Org,
  batch: Waiting[],
  known: Map<string, KnownQuota>,
): Promise<Map<string, TopicRow>> {
  const changes = batch.map((waiting) => waiting.quota)
  const guess = known.get(org.id)
  // Only a guess that lets all in is tried: one that keeps any out may be stale.
  if (
    guess?.plan === org.plan &&
    !changesThatFit(guess.limits, guess.use, changes).includes(false)
  ) {
    const created = await createIfQuotaIs(db, org.id, batch, guess, known)
    if (created.size > 0) return created
  }
  known.delete(org.id)
  const read = {
    ...(await readQuota(db, { orgId: org.id, plan: org.plan }, { lock: false })),
    plan: org.plan,
  }
  const fits = changesThatFit(read.limits, read.use, changes)
  const fitting = batch.filter((_, i) => fits[i])
  if (fitting.length === 0) {
    remember(known, org.id, read)
    return new Map()
  }
  return createIfQuotaIs(db, org.id, fitting, read, known)
}

/**
 * Creates `fitting` if the org's quota rows still hold `quota` (none otherwise), and remembers
 * what the quota is after the rows made.
 */
async function createIfQuotaIs(
  db: Db,
  orgId: string,
  fitting: Waiting[],
  quota: KnownQuota,
  known: Map<string, KnownQuota>,
): Promise<Map<string, TopicRow>> {
  const { clusters, topics, partitions } = quota.use
  const rows = await runStatement<TopicRow>(db, 'create_topics', createTopics, [
    orgId,
    JSON.stringify(fitting.map((waiting) => waiting.input)),
    clusters,
    topics,
    partitions,
    quota.overrideVersion,
    maxKafkaNameLength,
  ])
  if (rows.length === 0) return new Map()
  // The quota rows held `quota`, so it was true: what the rows made add to it is true too.
  const made = new Set(rows.map((row) => row.id))
  const added = combinedChange(
    fitting.filter((waiting) => made.has(waiting.id)).map((waiting) => waiting.quota),
  )
  remember(known, orgId, { ...quota, use: useAfter(quota.use, added) })
  return new Map(rows.map((row) => [row.id, row]))
}

/**
 * Creates the topic when nothing stands in its way; undefined when anything does (no such
 * cluster, over quota, a name taken), and the general path then says what.
 *
 * A create's statement holds the org's usage row until its commit is on disk, and the next
 * one is decided after that, so one org's creates take turns. Those that arrive while one
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
    ...madeBy(c, tenant),
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
    let state = perDatabase.get(db)
    if (!state) {
      state = { queues: new Map(), known: new Map() }
      perDatabase.set(db, state)
    }
    const waiting = { id, input, quota, done, failed }
    const queue = state.queues.get(tenant.orgId)
    if (queue) {
      queue.push(waiting)
      return
    }
    const started = [waiting]
    state.queues.set(tenant.orgId, started)
    void drain(db, { id: tenant.orgId, plan: tenant.plan }, started, state)
  })
}
