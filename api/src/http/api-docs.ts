import { Scalar } from '@scalar/hono-api-reference'
import type { newRouter } from './router.ts'

/** Serves the OpenAPI 3.1 document built from the routes' zod schemas, and a reference page. */
export function serveApiDocs(app: ReturnType<typeof newRouter>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A platform API key (fjord_…), scoped to one organization and a role',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'fjord_session',
    description: 'Console session; writes must also send X-CSRF-Token',
  })
  app.get('/v1/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Fjord API',
          version: '1.0.0',
          description: 'Kafka as a service: organizations, clusters, topics, credentials, quotas.',
        },
        servers: [{ url: new URL(c.req.url).origin }],
      }),
    ),
  )
  app.get('/docs', Scalar({ url: '/v1/openapi.json', pageTitle: 'Fjord API' }))
}
