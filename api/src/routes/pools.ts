import { readyCondition } from '@fjord/contract/reasons'
import { createRoute, z } from '@hono/zod-openapi'
import { requireServiceToken } from '../auth/service-token.ts'
import { jsonBody, jsonResponse, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { kubeOf, kubeRefusal } from '../provisioner/kube.ts'
import {
  describePools,
  type Pool,
  partitionsByPool,
  registerPool,
  roomOf,
} from '../provisioner/pools.ts'
import { PoolNameSchema, PoolSpecSchema } from '../resources/pools.ts'

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
    const pool = await registerPool(kube, c.get('config'), name, spec).catch((error: unknown) => {
      throw kubeRefusal(error, `Pool ${name} was not registered`)
    })
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
