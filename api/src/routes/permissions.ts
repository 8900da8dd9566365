import { z } from '@hono/zod-openapi'
import { roleAtLeast } from '../auth/roles.ts'
import { tenantOf } from '../http/context.ts'
import { jsonResponse, orgOperations, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { OrgParams, RoleSchema } from './schemas.ts'

const PermissionsSchema = z
  .object({
    role: RoleSchema.openapi({ description: "The caller's role in this organization" }),
    operations: z.record(z.string(), z.boolean()).openapi({
      description:
        'Every operation inside the organization, as `METHOD path` of this document, and whether the caller may call it',
      example: { 'GET /v1/orgs/{org}/clusters': true, 'POST /v1/orgs/{org}/clusters': false },
    }),
  })
  .openapi('Permissions')

const getPermissions = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}/permissions',
  tags: ['organizations'],
  summary: 'What the caller may do in this organization',
  description:
    'Answered from the same role table the routes enforce, so a client can disable what the role does not allow instead of letting it fail.',
  request: { params: OrgParams },
  responses: { 200: jsonResponse("The caller's role and operations", PermissionsSchema) },
})

export function permissionRoutes() {
  const app = newRouter()
  app.openapi(getPermissions, (c) => {
    const { role } = tenantOf(c)
    const operations = Object.fromEntries(
      orgOperations().map((op) => [op.operation, roleAtLeast(role, op.role)]),
    )
    return c.json({ role, operations }, 200)
  })
  return app
}
