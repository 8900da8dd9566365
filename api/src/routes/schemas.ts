import { z } from '@hono/zod-openapi'
import { roles } from '../auth/roles.ts'
import { ResourceNameSchema } from '../kafka/names.ts'

export const RoleSchema = z.enum(roles).openapi('Role')
export const EmailSchema = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase())
export const PasswordSchema = z.string().min(10).max(256)

export const UserSchema = z
  .object({ id: z.uuid(), email: z.string(), name: z.string() })
  .openapi('User')

export const OrgParams = z.object({
  org: ResourceNameSchema.openapi({ param: { name: 'org', in: 'path' } }),
})
export const ClusterParams = OrgParams.extend({
  cluster: ResourceNameSchema.openapi({ param: { name: 'cluster', in: 'path' } }),
})

export const IfMatchHeaders = z.object({
  'if-match': z.string().optional().openapi({ description: 'ETag of the version you read' }),
})
