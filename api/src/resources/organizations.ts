import { randomUUID } from 'node:crypto'
import { orgNamespaceName } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import type { Tx } from '../db/client.ts'
import { memberships, organizations } from '../db/schema/index.ts'
import { conflict, isUniqueViolation } from '../errors.ts'
import type { Actor } from '../http/context.ts'
import { plans } from '../quota/limits.ts'
import { enqueue } from './changes.ts'

export const OrganizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    displayName: z.string(),
    plan: z.enum(plans),
    generation: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Organization')

type OrganizationRow = typeof organizations.$inferSelect

export function presentOrganization(row: OrganizationRow): z.infer<typeof OrganizationSchema> {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    plan: row.plan as (typeof plans)[number],
    generation: row.generation,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** Creates an org with its first owner; used by sign-up and by POST /v1/orgs. */
export async function createOrganization(
  tx: Tx,
  input: { name: string; displayName?: string | undefined; ownerId: string },
  actor: Actor,
  requestId: string,
): Promise<OrganizationRow> {
  let org: OrganizationRow | undefined
  const id = randomUUID()
  try {
    ;[org] = await tx
      .insert(organizations)
      .values({
        id,
        name: input.name,
        displayName: input.displayName ?? input.name,
        namespace: orgNamespaceName(id),
      })
      .returning()
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`The organization name ${input.name} is taken`)
    throw error
  }
  if (!org) throw new Error('insert returned nothing')
  await tx.insert(memberships).values({ orgId: org.id, userId: input.ownerId, role: 'owner' })
  await enqueue(tx, {
    orgId: org.id,
    actor,
    requestId,
    action: 'organization.create',
    targetName: org.name,
    aggregateId: org.id,
    payload: { name: org.name, plan: org.plan },
  })
  return org
}
