import { eq } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../db/client.ts'
import { organizations, quotaOverrides } from '../db/schema/index.ts'
import { notFound, parseOrFail } from '../errors.ts'
import { enqueue } from '../resources/changes.ts'

const limit = z.union([z.literal('plan'), z.coerce.number().int().min(0)])

export const OverrideSchema = z
  .object({
    clusters: limit,
    topics: limit,
    partitions: limit,
    storageBytes: limit,
    ingressBytesPerSecond: limit,
    egressBytesPerSecond: limit,
    maxRetentionMs: limit,
  })
  .partial()
  .strict()

/** Parses `topics=100 partitions=plan …` as a platform admin types it. */
export function parseOverrideArguments(args: string[]) {
  return parseOrFail(OverrideSchema, Object.fromEntries(args.map((arg) => arg.split('=', 2))))
}

/**
 * A platform admin's custom limits for one org; `plan` puts a limit back to the plan's value.
 * Run from the api's command line, as installing Fjord is what makes one a platform admin.
 */
export async function setQuotaOverride(
  db: Db,
  orgName: string,
  values: z.output<typeof OverrideSchema>,
) {
  const columns = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, value === 'plan' ? null : value]),
  )
  await db.transaction(async (tx) => {
    const [org] = await tx.select().from(organizations).where(eq(organizations.name, orgName))
    if (!org) throw notFound(`Organization ${orgName}`)
    await tx
      .insert(quotaOverrides)
      .values({ orgId: org.id, ...columns })
      .onConflictDoUpdate({
        target: quotaOverrides.orgId,
        set: { ...columns, updatedAt: new Date() },
      })
    await enqueue(tx, {
      orgId: org.id,
      actor: { type: 'platform', id: 'fjord-api', label: 'platform admin' },
      requestId: 'cli',
      action: 'quota.update',
      targetName: org.name,
      aggregateId: org.id,
      payload: values,
    })
  })
}
