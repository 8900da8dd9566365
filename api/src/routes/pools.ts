import { labels, managedBy } from '@fjord/contract/metadata'
import { poolAdminSecretName } from '@fjord/contract/naming'
import { readyCondition } from '@fjord/contract/reasons'
import { KafkaPools } from '@fjord/contract/resources'
import { getObject } from '@fjord/kube/apply'
import { Secrets } from '@fjord/kube/resources'
import { createRoute, z } from '@hono/zod-openapi'
import { requireServiceToken } from '../auth/service-token.ts'
import { jsonBody, jsonResponse, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { kubeOf, kubeRefusal } from '../provisioner/kube.ts'
import {
  ensureSystemNamespace,
  keepingOthers,
  NotCreatedByFjord,
  ownedByPlatform,
  writeOwned,
} from '../provisioner/ownership.ts'
import { describePools, type Pool, partitionsByPool, roomOf } from '../provisioner/pools.ts'

const PoolNameSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and hyphens')

const PoolSpecSchema = z
  .object({
    bootstrapServers: z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port')).min(1),
    securityProtocol: z.enum(['SASL_PLAINTEXT', 'SASL_SSL']).default('SASL_PLAINTEXT'),
    saslMechanism: z
      .enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'])
      .default('SCRAM-SHA-256')
      .openapi({
        description:
          "How the admin logs in. Not SCRAM-SHA-512, the tenants' mechanism: a Kafka restart can drop every login of a mechanism that saw a removal (KAFKA-20774)",
      }),
    admin: z
      .object({ username: z.string().min(1).max(200), password: z.string().min(1).max(500) })
      .strict()
      .openapi({ description: 'Kept only in a Kubernetes Secret beside the pool' }),
    maxPartitions: z.number().int().min(1).max(1_000_000),
    region: z.string().min(1).max(64).optional(),
  })
  .strict()
  .openapi('PoolSpec')

const PoolSchema = z
  .object({
    name: z.string(),
    bootstrapServers: z.array(z.string()),
    region: z.string().nullable(),
    maxPartitions: z.number().int(),
    usedPartitions: z.number().int(),
    room: z.number().int(),
    phase: z.string(),
    message: z.string(),
  })
  .openapi('Pool')

const platformOnly = () => [requireServiceToken((config) => config.platformToken)]
const tags = ['platform']

const putPool = createRoute({
  method: 'put',
  path: '/admin/v1/pools/{pool}',
  tags,
  summary: 'Register or update a Kafka pool shared clusters are placed on (platform admin)',
  middleware: platformOnly(),
  security: [{ bearer: [] }],
  request: {
    params: z.object({ pool: PoolNameSchema.openapi({ param: { name: 'pool', in: 'path' } }) }),
    body: jsonBody(PoolSpecSchema),
  },
  responses: {
    200: jsonResponse('The pool as Kubernetes has it now', PoolSchema),
    ...problems(400, 401, 404, 409, 413, 415, 422, 502, 503),
  },
})

const listPools = createRoute({
  method: 'get',
  path: '/admin/v1/pools',
  tags,
  summary: 'The Kafka pools, with the partitions placed on each (platform admin)',
  middleware: platformOnly(),
  security: [{ bearer: [] }],
  responses: {
    200: jsonResponse('Pools', z.object({ items: z.array(PoolSchema) })),
    ...problems(401, 404, 502, 503),
  },
})

function presentPool(pool: Pool, usedPartitions: number): z.infer<typeof PoolSchema> {
  const ready = pool.status?.conditions?.find((condition) => condition.type === readyCondition)
  return {
    name: pool.metadata.name,
    bootstrapServers: pool.spec.bootstrapServers,
    region: pool.spec.region ?? null,
    maxPartitions: pool.spec.capacity.maxPartitions,
    usedPartitions,
    room: roomOf(pool, usedPartitions),
    phase: pool.status?.phase ?? 'Pending',
    message: ready?.message ?? '',
  }
}

export function poolRoutes() {
  const app = newRouter()

  app.openapi(putPool, async (c) => {
    const kube = kubeOf(c)
    const { pool: name } = c.req.valid('param')
    const spec = c.req.valid('json')
    const namespace = c.get('config').systemNamespace
    const secret = poolAdminSecretName(name)
    const owned = { [labels.managedBy]: managedBy, [labels.pool]: name }
    let pool: Pool
    try {
      // Checked before its Secret is written, so that a refused pool changes nothing.
      const existing = await getObject(kube, KafkaPools, name)
      if (existing && !ownedByPlatform(existing)) throw new NotCreatedByFjord('KafkaPool', name)
      await ensureSystemNamespace(kube, namespace)
      await writeOwned(
        kube,
        Secrets,
        { metadata: { name: secret, namespace, labels: owned }, stringData: spec.admin },
        ownedByPlatform,
      )
      pool = await writeOwned<Pool>(
        kube,
        KafkaPools,
        {
          // The api's own labels, so that its operator (--selector) and its placement see it.
          metadata: { name, labels: { ...c.get('config').resourceLabels, ...owned } },
          spec: {
            bootstrapServers: spec.bootstrapServers,
            securityProtocol: spec.securityProtocol,
            saslMechanism: spec.saslMechanism,
            adminCredentialsSecretRef: { name: secret, namespace },
            capacity: { maxPartitions: spec.maxPartitions },
            ...(spec.region ? { region: spec.region } : {}),
          },
        },
        ownedByPlatform,
        { keep: keepingOthers },
      )
    } catch (error) {
      throw kubeRefusal(error, `Pool ${name} was not registered`)
    }
    const used = (await partitionsByPool(c.get('db'))).get(name) ?? 0
    return c.json(presentPool(pool, used), 200)
  })

  app.openapi(listPools, async (c) => {
    const pools = await describePools(c.get('db'), kubeOf(c)).catch((error: unknown) => {
      throw kubeRefusal(error, 'The pools could not be listed')
    })
    return c.json(
      { items: pools.map(({ pool, usedPartitions }) => presentPool(pool, usedPartitions)) },
      200,
    )
  })

  return app
}
