import { and, eq, isNull, sql, sum } from 'drizzle-orm'
import { type Executor, preparedQuery } from '../db/client.ts'
import { orgUsage, quotaOverrides, usageRollups, usageSamples } from '../db/schema/index.ts'
import type { Tenant } from '../http/context.ts'
import {
  assertNoViolations,
  type Plan,
  type PlannedChange,
  planLimits,
  type QuotaLimits,
  type QuotaUse,
  quotaViolations,
} from './limits.ts'

type Override = typeof quotaOverrides.$inferSelect

/** The plan's limits, with a platform admin's override where it has one. */
export function limitsFor(plan: string, override: Override | null | undefined): QuotaLimits {
  const limits = { ...(planLimits[plan as Plan] ?? planLimits.free) }
  if (!override) return limits
  for (const key of Object.keys(limits) as (keyof QuotaLimits)[]) {
    const value = override[key]
    if (value !== null) limits[key] = value
  }
  return limits
}

export async function effectiveLimits(
  db: Executor,
  orgId: string,
  plan: string,
): Promise<QuotaLimits> {
  const [override] = await db.select().from(quotaOverrides).where(eq(quotaOverrides.orgId, orgId))
  return limitsFor(plan, override)
}

async function countedUse(db: Executor, orgId: string) {
  const [counted] = await db.select().from(orgUsage).where(eq(orgUsage.orgId, orgId))
  return {
    clusters: counted?.clusters ?? 0,
    topics: counted?.topics ?? 0,
    partitions: counted?.partitions ?? 0,
  }
}

/** Everything the org uses: counted resources, latest storage, and last hour's byte rates. */
export async function currentUse(db: Executor, orgId: string): Promise<QuotaUse> {
  // The latest cluster-wide sample of each cluster tells its storage.
  const latestStorage = db
    .selectDistinctOn([usageSamples.clusterId], { storageBytes: usageSamples.storageBytes })
    .from(usageSamples)
    .where(and(eq(usageSamples.orgId, orgId), isNull(usageSamples.topicId)))
    .orderBy(usageSamples.clusterId, sql`${usageSamples.sampledAt} desc`)
    .as('latest')
  const [storage] = await db.select({ value: sum(latestStorage.storageBytes) }).from(latestStorage)
  const [rates] = await db
    .select({ bytesIn: sum(usageRollups.bytesIn), bytesOut: sum(usageRollups.bytesOut) })
    .from(usageRollups)
    .where(
      and(
        eq(usageRollups.orgId, orgId),
        isNull(usageRollups.topicId),
        eq(usageRollups.granularity, 'hour'),
        sql`${usageRollups.bucketStart} = (select max(${usageRollups.bucketStart}) from ${usageRollups} where ${usageRollups.orgId} = ${orgId} and ${usageRollups.granularity} = 'hour')`,
      ),
    )
  return {
    ...(await countedUse(db, orgId)),
    storageBytes: Number(storage?.value ?? 0),
    ingressBytesPerSecond: Math.round(Number(rates?.bytesIn ?? 0) / 3600),
    egressBytesPerSecond: Math.round(Number(rates?.bytesOut ?? 0) / 3600),
  }
}

/**
 * What a write of the org is checked against: its counted use and its limits (storage and
 * byte rates are Kafka's to hold, not a write's), with the version of the override row the
 * limits came from (null without one), so that a write can tell whether they still hold.
 */
export interface QuotaState {
  limits: QuotaLimits
  use: QuotaUse
  overrideVersion: string | null
}

// A row's xmin changes with every update of it, whoever makes it: its version.
const selectQuota = (db: Executor) =>
  db
    .select({
      usage: orgUsage,
      override: quotaOverrides,
      overrideVersion: sql<string | null>`${quotaOverrides}.xmin::text`,
    })
    .from(orgUsage)
    .leftJoin(quotaOverrides, eq(quotaOverrides.orgId, orgUsage.orgId))

const quotaOfOrg = preparedQuery((db) =>
  selectQuota(db)
    .where(eq(orgUsage.orgId, sql.placeholder('orgId')))
    .prepare('quota_of_org'),
)

/**
 * The org's quota state. With `lock`, its usage row stays locked to the end of the
 * transaction, so that concurrent writers of one org are checked one after the other
 * (triggers keep the row current); without, the caller must check, as it writes, that the
 * counts and the override's version are still those it decided on.
 */
export async function readQuota(
  db: Executor,
  org: Pick<Tenant, 'orgId' | 'plan'>,
  options: { lock: boolean },
): Promise<QuotaState> {
  const [row] = options.lock
    ? await selectQuota(db).where(eq(orgUsage.orgId, org.orgId)).for('update', { of: orgUsage })
    : await quotaOfOrg(db).execute({ orgId: org.orgId })
  if (!row) throw new Error(`no usage row for org ${org.orgId}`)
  const { clusters, topics, partitions } = row.usage
  return {
    limits: limitsFor(org.plan, row.override),
    use: {
      clusters,
      topics,
      partitions,
      storageBytes: 0,
      ingressBytesPerSecond: 0,
      egressBytesPerSecond: 0,
    },
    overrideVersion: row.overrideVersion,
  }
}

/** Refuses a change that does not fit, before anything is written. */
export async function assertWithinQuota(tx: Executor, tenant: Tenant, change: PlannedChange) {
  const { limits, use } = await readQuota(tx, tenant, { lock: true })
  assertNoViolations(quotaViolations(limits, use, change))
}

/** A plan change must leave room for what the org already has. */
export async function assertFitsPlan(tx: Executor, tenant: Tenant, plan: Plan): Promise<void> {
  const limits = await effectiveLimits(tx, tenant.orgId, plan)
  const use = await countedUse(tx, tenant.orgId)
  const nothing = {
    clusters: 0,
    topics: 0,
    partitions: 0,
    storageBytes: 0,
    ingressBytesPerSecond: 0,
    egressBytesPerSecond: 0,
  }
  assertNoViolations(quotaViolations(limits, nothing, use))
}
