import { z } from '@hono/zod-openapi'
import { and, asc, eq, gt } from 'drizzle-orm'
import { mintApiKey } from '../auth/api-keys.ts'
import { type Role, roleAtLeast } from '../auth/roles.ts'
import type { Tx } from '../db/client.ts'
import { apiKeys } from '../db/schema/index.ts'
import { conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts'
import { type AppContext, type Tenant, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { ResourceNameSchema } from '../kafka/names.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { setEtag } from '../resources/etag.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { OrgParams, RoleSchema } from './schemas.ts'

const ApiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: RoleSchema,
    prefix: z.string().openapi({ description: 'The first characters of the key, to recognise it' }),
    lastUsedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ApiKey')

const CreatedApiKeySchema = ApiKeySchema.extend({
  token: z
    .string()
    .openapi({ description: 'The secret, shown once: send it as Authorization: Bearer' }),
}).openapi('CreatedApiKey')

const ApiKeyParams = OrgParams.extend({
  apiKey: ResourceNameSchema.openapi({ param: { name: 'apiKey', in: 'path' } }),
})
const tags = ['api keys']
const item = '/v1/orgs/{org}/api-keys/{apiKey}'

const listApiKeys = orgRoute('admin', {
  method: 'get',
  path: '/v1/orgs/{org}/api-keys',
  tags,
  summary: 'API keys of the organization (never their secrets)',
  request: { params: OrgParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of API keys', pageOf(ApiKeySchema)) },
})

const createApiKey = orgRoute('admin', {
  method: 'post',
  path: '/v1/orgs/{org}/api-keys',
  tags,
  summary: 'Mint an API key with a role no higher than your own',
  request: {
    params: OrgParams,
    body: jsonBody(
      z.object({ name: ResourceNameSchema, role: RoleSchema }).strict().openapi('CreateApiKey'),
    ),
  },
  responses: { 201: jsonResponse('Created; the token is shown once', CreatedApiKeySchema) },
})

const getApiKey = orgRoute('admin', {
  method: 'get',
  path: item,
  tags,
  summary: 'One API key',
  request: { params: ApiKeyParams },
  responses: { 200: jsonResponse('The API key', ApiKeySchema) },
})

const deleteApiKey = orgRoute(
  'admin',
  {
    method: 'delete',
    path: item,
    tags,
    summary: 'Revoke an API key; it stops working at once',
    request: { params: ApiKeyParams },
    responses: { 204: { description: 'Revoked' } },
  },
  { changesAccess: true },
)

type ApiKeyRow = typeof apiKeys.$inferSelect

function presentApiKey(row: ApiKeyRow): z.infer<typeof ApiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }
}

async function recordKeyChange(
  c: AppContext,
  tx: Tx,
  tenant: Tenant,
  action: 'create' | 'delete',
  row: ApiKeyRow,
) {
  await enqueue(tx, {
    ...madeBy(c, tenant),
    action: `api_key.${action}`,
    targetName: row.name,
    aggregateId: row.id,
    payload: { name: row.name, role: row.role, prefix: row.prefix },
  })
}

export function apiKeyRoutes() {
  const app = newRouter()

  app.openapi(listApiKeys, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const rows = await c
      .get('db')
      .select()
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.orgId, tenant.orgId),
          cursor ? gt(apiKeys.name, decodeCursor<string>(cursor, 'string')) : undefined,
        ),
      )
      .orderBy(asc(apiKeys.name))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.name, presentApiKey),
      200,
    )
  })

  app.openapi(createApiKey, async (c) => {
    const tenant = tenantOf(c)
    const { name, role } = c.req.valid('json')
    if (!roleAtLeast(tenant.role, role)) {
      throw forbidden(`You are ${tenant.role}; a key cannot have more rights (${role})`)
    }
    const minted = mintApiKey()
    const row = await c.get('db').transaction(async (tx) => {
      let inserted: ApiKeyRow | undefined
      try {
        ;[inserted] = await tx
          .insert(apiKeys)
          .values({
            orgId: tenant.orgId,
            name,
            role,
            prefix: minted.prefix,
            secretHash: minted.secretHash,
            createdBy: tenant.actor.type === 'user' ? tenant.actor.id : null,
          })
          .returning()
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`An API key named ${name} exists`)
        throw error
      }
      if (!inserted) throw new Error('insert returned nothing')
      await recordKeyChange(c, tx, tenant, 'create', inserted)
      return inserted
    })
    c.header('location', `/v1/orgs/${tenant.orgName}/api-keys/${name}`)
    return c.json({ ...presentApiKey(row), token: minted.token }, 201)
  })

  app.openapi(getApiKey, async (c) => {
    const tenant = tenantOf(c)
    const [row] = await c
      .get('db')
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.orgId, tenant.orgId), eq(apiKeys.name, c.req.valid('param').apiKey)))
    if (!row) throw notFound(`API key ${c.req.valid('param').apiKey}`)
    const shown = presentApiKey(row)
    setEtag(c, shown)
    return c.json(shown, 200)
  })

  app.openapi(deleteApiKey, async (c) => {
    const tenant = tenantOf(c)
    const name = c.req.valid('param').apiKey
    await c.get('db').transaction(async (tx) => {
      const [row] = await tx
        .delete(apiKeys)
        .where(and(eq(apiKeys.orgId, tenant.orgId), eq(apiKeys.name, name)))
        .returning()
      if (!row) throw notFound(`API key ${name}`)
      await recordKeyChange(c, tx, tenant, 'delete', row)
    })
    return c.body(null, 204)
  })

  return app
}
