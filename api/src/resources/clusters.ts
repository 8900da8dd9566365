import { z } from '@hono/zod-openapi'
import { and, eq, sql } from 'drizzle-orm'
import { type Executor, preparedQuery } from '../db/client.ts'
import { clusters, serviceAccounts, topics } from '../db/schema/index.ts'
import { conflict, isUniqueViolation, notFound, parseOrFail, validationFailed } from '../errors.ts'
import type { Tenant } from '../http/context.ts'
import { kafkaPrefixFor, ResourceNameSchema } from '../kafka/names.ts'
import { assertWithinQuota } from '../quota/usage.ts'
import type { ResourceKind } from './declarative.ts'
import { patchSchemaOf } from './merge-patch.ts'
import { MetadataShape, metadataOf, phaseAfterChange, StatusSchema, statusOf } from './status.ts'

const providersByType = { shared: ['shared'], dedicated: ['kubernetes', 'aws-msk'] } as const

const ClusterSpecFields = z.object({
  type: z.enum(['shared', 'dedicated']).default('shared'),
  provider: z.enum(['shared', 'kubernetes', 'aws-msk']).optional(),
  region: z.string().min(1).max(64).default('local'),
  description: z.string().max(500).default(''),
})

export const CreateClusterSchema = ClusterSpecFields.extend({ name: ResourceNameSchema })
  .strict()
  .openapi('CreateCluster')

export const ClusterPatchSchema = patchSchemaOf(ClusterSpecFields).strict().openapi('ClusterPatch')

export const ClusterSpecSchema = ClusterSpecFields.strict()
  .transform((spec) => ({ ...spec, provider: spec.provider ?? providersByType[spec.type][0] }))
  .refine((spec) => (providersByType[spec.type] as readonly string[]).includes(spec.provider), {
    path: ['provider'],
    message: 'a shared cluster runs on provider shared; a dedicated one on kubernetes or aws-msk',
  })
  .openapi('ClusterSpec')

export type ClusterSpec = z.output<typeof ClusterSpecSchema>

export const ClusterSchema = z
  .object({
    ...MetadataShape,
    name: z.string(),
    type: z.enum(['shared', 'dedicated']),
    provider: z.enum(['shared', 'kubernetes', 'aws-msk']),
    region: z.string(),
    description: z.string(),
    kafkaPrefix: z.string(),
    bootstrapServers: z.string().nullable(),
    status: StatusSchema,
  })
  .openapi('Cluster')

type ClusterRow = typeof clusters.$inferSelect

export function presentCluster(row: ClusterRow): z.infer<typeof ClusterSchema> {
  return {
    ...metadataOf(row),
    name: row.name,
    type: row.type as ClusterSpec['type'],
    provider: row.provider as ClusterSpec['provider'],
    region: row.region,
    description: row.description,
    kafkaPrefix: row.kafkaPrefix,
    bootstrapServers: row.bootstrapServers,
    status: statusOf(row),
  }
}

const clusterByName = preparedQuery((db) =>
  db
    .select()
    .from(clusters)
    .where(
      and(eq(clusters.orgId, sql.placeholder('orgId')), eq(clusters.name, sql.placeholder('name'))),
    )
    .prepare('cluster_by_name'),
)

/** The tenant's cluster by name, or 404: topics and service accounts live under it. */
export async function findClusterOr404(db: Executor, tenant: Tenant, name: string) {
  const [cluster] = await clusterByName(db).execute({ orgId: tenant.orgId, name })
  if (!cluster) throw notFound(`Cluster ${name}`)
  return cluster
}

/**
 * The pool a shared cluster's Kafka runs in, for what the api asks Kafka about it (`what`:
 * consumer groups, messages); 409 for a dedicated cluster, or one with no Kafka yet.
 */
export function sharedPoolOf(cluster: ClusterRow, what: string): string {
  if (cluster.type === 'dedicated') {
    throw conflict(`Cluster ${cluster.name} is dedicated: Fjord shows ${what} of shared clusters`)
  }
  if (!cluster.pool) {
    throw conflict(
      `Cluster ${cluster.name} has no Kafka yet (${cluster.phase}); try again once it is Ready`,
    )
  }
  return cluster.pool
}

const immutable = ['type', 'provider', 'region'] as const

export function clusterKind(
  tenant: Tenant,
): ResourceKind<ClusterRow, ClusterSpec, z.infer<typeof ClusterSchema>> {
  return {
    type: 'cluster',
    label: 'Cluster',
    async find(tx, name) {
      const [row] = await tx
        .select()
        .from(clusters)
        .where(and(eq(clusters.orgId, tenant.orgId), eq(clusters.name, name)))
        .for('update')
      return row
    },
    present: presentCluster,
    specOf: (row) => ({
      type: row.type as ClusterSpec['type'],
      provider: row.provider as ClusterSpec['provider'],
      region: row.region,
      description: row.description,
    }),
    parseSpec: (input) => parseClusterSpec(input),
    async create(tx, name, spec) {
      await assertWithinQuota(tx, tenant, { clusters: 1 })
      const kafkaPrefix = kafkaPrefixFor(spec.type, tenant.orgName, name)
      try {
        const [row] = await tx
          .insert(clusters)
          .values({ orgId: tenant.orgId, name, ...spec, kafkaPrefix })
          .returning()
        if (!row) throw new Error('insert returned nothing')
        return row
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        throw conflict(
          `Cluster name ${name} is not available: its Kafka prefix ${kafkaPrefix} is already taken`,
        )
      }
    },
    async update(tx, row, spec) {
      const changed = immutable.filter((field) => spec[field] !== row[field])
      if (changed.length > 0) {
        throw validationFailed(
          changed.map((field) => ({ path: field, message: 'cannot change after creation' })),
        )
      }
      if (spec.description === row.description) return undefined
      const [updated] = await tx
        .update(clusters)
        .set({
          description: spec.description,
          generation: row.generation + 1,
          phase: phaseAfterChange(row),
          updatedAt: new Date(),
        })
        .where(eq(clusters.id, row.id))
        .returning()
      return updated
    },
    async markDeleting(tx, row) {
      const now = new Date()
      const deleting = { phase: 'Deleting', deletionRequestedAt: now, updatedAt: now }
      await tx.update(topics).set(deleting).where(eq(topics.clusterId, row.id))
      await tx.update(serviceAccounts).set(deleting).where(eq(serviceAccounts.clusterId, row.id))
      const [updated] = await tx
        .update(clusters)
        .set(deleting)
        .where(eq(clusters.id, row.id))
        .returning()
      if (!updated) throw new Error('update returned nothing')
      return updated
    },
  }
}

export function parseClusterSpec(input: unknown): ClusterSpec {
  return parseOrFail(ClusterSpecSchema, input)
}
