import { z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import { type clusters, topics } from '../db/schema/index.ts'
import { conflict, type FieldError, validationFailed } from '../errors.ts'
import type { AppContext, Tenant } from '../http/context.ts'
import { kafkaNameLengthError } from '../kafka/names.ts'
import { planTopics, type TopicPlanEntry, type TopicSpec } from '../kafka/topic-plan.ts'
import { combinedChange, type PlannedChange } from '../quota/limits.ts'
import { assertWithinQuota } from '../quota/usage.ts'
import { type Change, enqueue, madeBy } from './changes.ts'
import {
  CreateTopicSchema,
  collisionIn,
  insertTopics,
  markTopicsDeleting,
  normalizeTopicSpec,
  type TopicRow,
  topicColumns,
  topicQuotaChange,
  topicSpecOf,
  updateTopic,
} from './topics.ts'

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true')

export const ApplyTopicsQuerySchema = z.object({
  prune: flag.openapi({ description: 'Delete topics missing from the list' }),
  dryRun: flag.openapi({ description: 'Answer the plan without changing anything' }),
})

export const ApplyTopicsSchema = z
  .object({ topics: z.array(CreateTopicSchema).max(2_000) })
  .strict()
  .openapi('ApplyTopics')

const actions = ['create', 'update', 'delete', 'unchanged'] as const

export const TopicPlanSchema = z
  .object({
    dryRun: z.boolean(),
    prune: z.boolean(),
    summary: z.object(
      Object.fromEntries(actions.map((action) => [action, z.number().int()])) as Record<
        (typeof actions)[number],
        z.ZodNumber
      >,
    ),
    plan: z.array(
      z.object({
        name: z.string(),
        action: z.enum(actions),
        changes: z.array(
          z.object({
            field: z.string(),
            from: z.union([z.string(), z.number()]).nullable(),
            to: z.union([z.string(), z.number()]).nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi('TopicPlan')

type ClusterRow = typeof clusters.$inferSelect

function desiredSpecs(
  input: z.output<typeof ApplyTopicsSchema>,
  cluster: ClusterRow,
  defaultReplicationFactor: number,
): Map<string, TopicSpec> {
  const desired = new Map<string, TopicSpec>()
  const errors: FieldError[] = []
  input.topics.forEach(({ name, ...spec }, index) => {
    const path = `topics.${index}.`
    if (desired.has(name)) errors.push({ path: `${path}name`, message: `${name} is listed twice` })
    const tooLong = kafkaNameLengthError(cluster.kafkaPrefix, name)
    if (tooLong) errors.push({ path: `${path}name`, message: tooLong })
    const normalized = normalizeTopicSpec(spec, defaultReplicationFactor, path)
    errors.push(...normalized.errors)
    desired.set(name, normalized.spec)
  })
  if (errors.length > 0) throw validationFailed(errors)
  return desired
}

/** The quota the whole plan consumes, so it is refused before any topic is written. */
function planQuotaChange(
  entries: TopicPlanEntry[],
  desired: Map<string, TopicSpec>,
  actual: Map<string, TopicSpec>,
): PlannedChange {
  return combinedChange(
    entries.map((entry) =>
      topicQuotaChange(
        actual.get(entry.name),
        entry.action === 'delete' ? undefined : desired.get(entry.name),
      ),
    ),
  )
}

/** Bulk declarative apply of a cluster's topics: one plan, one quota check, one transaction. */
export async function applyTopics(
  c: AppContext,
  tenant: Tenant,
  cluster: ClusterRow,
  input: z.output<typeof ApplyTopicsSchema>,
  options: { prune: boolean; dryRun: boolean },
): Promise<z.infer<typeof TopicPlanSchema>> {
  if (cluster.deletionRequestedAt) throw conflict(`Cluster ${cluster.name} is being deleted`)
  const desired = desiredSpecs(input, cluster, c.get('config').defaultReplicationFactor)
  const entries = await c.get('db').transaction(async (tx) => {
    const rows = await tx
      .select(topicColumns)
      .from(topics)
      .where(and(eq(topics.orgId, tenant.orgId), eq(topics.clusterId, cluster.id)))
      .for('update')
    const rowsByName = new Map(rows.map((row) => [row.name, row]))
    const plan = planTopics(
      desired,
      rows.map((row) => ({
        name: row.name,
        deleting: row.deletionRequestedAt !== null,
        ...topicSpecOf(row),
      })),
      options.prune,
    )
    if (plan.errors.length > 0) throw validationFailed(plan.errors)
    const actual = new Map(rows.map((row) => [row.name, topicSpecOf(row)]))
    await assertWithinQuota(tx, tenant, planQuotaChange(plan.entries, desired, actual))
    if (options.dryRun) return plan.entries
    const wanted = (action: TopicPlanEntry['action']) =>
      plan.entries.filter((entry) => entry.action === action)
    // In the list's order, so that a collision names the later of two names as the request has them.
    const created = new Set(wanted('create').map((entry) => entry.name))
    const creates = [...desired]
      .filter(([name]) => created.has(name))
      .map(([name, spec]) => ({ name, spec }))
    const collision = collisionIn(
      creates.map((c) => c.name),
      rows.map((row) => row.name),
    )
    if (collision) throw collision
    const written = new Map<string, TopicRow>()
    for (const row of await insertTopics(tx, tenant, cluster, creates)) written.set(row.name, row)
    for (const { name } of wanted('update')) {
      const spec = desired.get(name)
      const current = rowsByName.get(name)
      if (spec && current) written.set(name, await updateTopic(tx, current, spec))
    }
    const deleted = wanted('delete').flatMap(({ name }) => rowsByName.get(name) ?? [])
    for (const row of await markTopicsDeleting(tx, deleted)) written.set(row.name, row)
    const changes: Change[] = []
    for (const { name, action } of plan.entries) {
      const row = written.get(name)
      if (action === 'unchanged' || !row) continue
      changes.push({
        ...madeBy(c, tenant),
        action: `topic.${action}`,
        targetName: row.name,
        aggregateId: row.id,
        payload: { spec: topicSpecOf(row), bulk: true },
      })
    }
    await enqueue(tx, changes)
    return plan.entries
  })
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0 }
  for (const entry of entries) summary[entry.action] += 1
  return { dryRun: options.dryRun, prune: options.prune, summary, plan: entries }
}
