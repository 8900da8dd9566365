import { isDeepStrictEqual } from 'node:util'
import { kafkaName, kafkaPrincipal } from '@fjord/contract/naming'
import { z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import { type Acl, type clusters, serviceAccounts } from '../db/schema/index.ts'
import { conflict, type FieldError, parseOrFail, validationFailed } from '../errors.ts'
import type { Tenant } from '../http/context.ts'
import type { ResourceKind } from './declarative.ts'
import { patchSchemaOf } from './merge-patch.ts'
import { MetadataShape, metadataOf, phaseAfterChange, StatusSchema, statusOf } from './status.ts'

const operations = [
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'describeConfigs',
  'alterConfigs',
] as const

// The operations Kafka's authorizer knows for each resource type.
const operationsByResource: Record<Acl['resourceType'], readonly string[]> = {
  topic: operations,
  group: ['all', 'read', 'describe', 'delete'],
  transactionalId: ['all', 'write', 'describe'],
}

export const AclSchema = z
  .object({
    resourceType: z.enum(['topic', 'group', 'transactionalId']),
    patternType: z.enum(['literal', 'prefixed']).default('literal'),
    name: z
      .string()
      .min(1)
      .max(249)
      .regex(/^[a-zA-Z0-9._-]+$/, 'a Kafka name, no wildcards'),
    operations: z.array(z.enum(operations)).min(1),
  })
  .strict()
  .openapi('Acl')

const ServiceAccountSpecFields = z.object({
  description: z.string().max(500).default(''),
  acls: z.array(AclSchema).max(200).default([]),
})

export const ServiceAccountSpecSchema =
  ServiceAccountSpecFields.strict().openapi('ServiceAccountSpec')
export const ServiceAccountPatchSchema = patchSchemaOf(ServiceAccountSpecFields)
  .strict()
  .openapi('ServiceAccountPatch')

export type ServiceAccountSpec = z.output<typeof ServiceAccountSpecSchema>

export const ServiceAccountSchema = z
  .object({
    ...MetadataShape,
    name: z.string(),
    cluster: z.string(),
    principal: z.string().openapi({ example: 'User:acme-main.billing' }),
    description: z.string(),
    acls: z.array(AclSchema),
    status: StatusSchema,
  })
  .openapi('ServiceAccount')

type ServiceAccountRow = typeof serviceAccounts.$inferSelect
type ClusterRow = typeof clusters.$inferSelect

export function presentServiceAccount(cluster: { name: string }) {
  return (row: ServiceAccountRow): z.infer<typeof ServiceAccountSchema> => ({
    ...metadataOf(row),
    name: row.name,
    cluster: cluster.name,
    principal: row.principal,
    description: row.description,
    acls: row.acls as z.infer<typeof AclSchema>[],
    status: statusOf(row),
  })
}

function aclErrors(acls: Acl[]): FieldError[] {
  return acls.flatMap((acl, index) =>
    acl.operations
      .filter((operation) => !operationsByResource[acl.resourceType].includes(operation))
      .map((operation) => ({
        path: `acls.${index}.operations`,
        message: `${operation} does not apply to a ${acl.resourceType}; use ${operationsByResource[acl.resourceType].join(', ')}`,
      })),
  )
}

export function serviceAccountKind(
  tenant: Tenant,
  cluster: ClusterRow,
): ResourceKind<ServiceAccountRow, ServiceAccountSpec, z.infer<typeof ServiceAccountSchema>> {
  const guardCluster = () => {
    if (cluster.deletionRequestedAt) throw conflict(`Cluster ${cluster.name} is being deleted`)
  }
  return {
    type: 'service_account',
    label: 'Service account',
    async find(tx, name) {
      const [row] = await tx
        .select()
        .from(serviceAccounts)
        .where(
          and(
            eq(serviceAccounts.orgId, tenant.orgId),
            eq(serviceAccounts.clusterId, cluster.id),
            eq(serviceAccounts.name, name),
          ),
        )
        .for('update')
      return row
    },
    present: presentServiceAccount(cluster),
    specOf: (row) => ({
      description: row.description,
      acls: row.acls as ServiceAccountSpec['acls'],
    }),
    parseSpec(input) {
      const spec = parseOrFail(ServiceAccountSpecSchema, input)
      const errors = aclErrors(spec.acls)
      if (errors.length > 0) throw validationFailed(errors)
      return spec
    },
    async create(tx, name, spec) {
      guardCluster()
      const [row] = await tx
        .insert(serviceAccounts)
        .values({
          orgId: tenant.orgId,
          clusterId: cluster.id,
          name,
          // On a shared cluster the principal and every ACL stay inside the cluster's prefix.
          principal: kafkaPrincipal(kafkaName(cluster.kafkaPrefix, name)),
          ...spec,
        })
        .returning()
      if (!row) throw new Error('insert returned nothing')
      return row
    },
    async update(tx, row, spec) {
      guardCluster()
      // Deep equality, not JSON text: jsonb gives the ACLs back with their keys reordered.
      if (isDeepStrictEqual(spec, { description: row.description, acls: row.acls })) {
        return undefined
      }
      const [updated] = await tx
        .update(serviceAccounts)
        .set({
          ...spec,
          generation: row.generation + 1,
          phase: phaseAfterChange(row),
          updatedAt: new Date(),
        })
        .where(eq(serviceAccounts.id, row.id))
        .returning()
      return updated
    },
    async markDeleting(tx, row) {
      const now = new Date()
      const [updated] = await tx
        .update(serviceAccounts)
        .set({ phase: 'Deleting', deletionRequestedAt: now, updatedAt: now })
        .where(eq(serviceAccounts.id, row.id))
        .returning()
      if (!updated) throw new Error('update returned nothing')
      return updated
    },
  }
}
