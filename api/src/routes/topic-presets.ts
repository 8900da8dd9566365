import { z } from '@hono/zod-openapi'
import { jsonResponse, principalRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { topicPresets } from '../kafka/presets.ts'

const TopicPresetSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    spec: z.object({
      partitions: z.number().int(),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    }),
  })
  .openapi('TopicPreset')

const listTopicPresets = principalRoute({
  method: 'get',
  path: '/v1/topic-presets',
  tags: ['topics'],
  summary: 'Use-case presets to start a topic from',
  responses: { 200: jsonResponse('The presets', z.object({ items: z.array(TopicPresetSchema) })) },
})

export function topicPresetRoutes() {
  const app = newRouter()
  app.openapi(listTopicPresets, (c) => c.json({ items: topicPresets }, 200))
  return app
}
