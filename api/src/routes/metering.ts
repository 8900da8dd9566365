import { createRoute, z } from '@hono/zod-openapi'
import { requireServiceToken } from '../auth/service-token.ts'
import { jsonBody, jsonResponse, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { recordSamples } from '../metering/samples.ts'

const count = z.number().int().min(0)

const UsageSampleSchema = z.object({
  id: z.string().min(1).max(200).openapi({
    description: 'Unique per topic and sample time; a sample sent again with it is ignored',
    example: '0b6f3f8e-3c1e-4f5e-9d7a-2f1f5c8a9e10:2026-03-01T00:01:00.000Z',
  }),
  orgId: z.uuid(),
  clusterId: z.uuid(),
  topicId: z.uuid(),
  sampledAt: z.iso.datetime({ offset: true }),
  partitions: count,
  storageBytes: count.openapi({ description: 'Bytes of the topic in the brokers’ log dirs' }),
  endOffsets: count.openapi({
    description: 'Sum of the partitions’ end offsets; messages in is its rise between samples',
  }),
})

const UsageSamplesSchema = z.object({ samples: z.array(UsageSampleSchema).min(1).max(1000) })

const RecordedSchema = z.object({
  stored: z.number().int(),
  ignored: z.array(z.object({ id: z.string(), reason: z.enum(['duplicate', 'unknown_topic']) })),
})

const postUsageSamples = createRoute({
  method: 'post',
  path: '/internal/v1/usage-samples',
  // For the operator only, with the service token; not part of the public contract.
  hide: true,
  middleware: [requireServiceToken((config) => config.meteringToken)] as const,
  request: { body: jsonBody(UsageSamplesSchema) },
  responses: {
    200: jsonResponse('What was stored and what was ignored, with why', RecordedSchema),
    ...problems(400, 401, 404, 413, 415, 422),
  },
})

export function meteringRoutes() {
  const app = newRouter()
  app.openapi(postUsageSamples, async (c) => {
    const { samples } = c.req.valid('json')
    const result = await recordSamples(
      c.get('db'),
      samples.map((sample) => ({ ...sample, sampledAt: new Date(sample.sampledAt) })),
    )
    if (result.ignored.length > 0) {
      c.get('log').info({ ignored: result.ignored.length }, 'usage samples ignored')
    }
    return c.json(result, 200)
  })
  return app
}
