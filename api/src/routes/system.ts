import { createRoute, z } from '@hono/zod-openapi'
import { type Database, ping } from '../db/client.ts'
import { ApiError } from '../errors.ts'
import type { HttpMetrics } from '../http/observability.ts'
import { jsonResponse, problems } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'

const HealthSchema = z.object({ status: z.literal('ok') })

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['system'],
  summary: 'The process is alive',
  responses: { 200: jsonResponse('Alive', HealthSchema) },
})

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['system'],
  summary: 'The database is reachable',
  responses: { 200: jsonResponse('Ready', HealthSchema), ...problems(503) },
})

/** `stopping` aborts when the api shuts down: readiness fails then, so no new request comes. */
export function systemRoutes(database: Database, metrics: HttpMetrics, stopping: AbortSignal) {
  const app = newRouter()
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
  app.openapi(readyz, async (c) => {
    if (stopping.aborted) throw new ApiError('unavailable', 'The api is shutting down')
    try {
      await ping(database.db)
    } catch (error) {
      c.get('log').warn({ err: error }, 'database not reachable')
      throw new ApiError('unavailable', 'The database is not reachable')
    }
    return c.json({ status: 'ok' as const }, 200)
  })
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  )
  return app
}
