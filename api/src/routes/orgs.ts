import { z } from '@hono/zod-openapi'
import { and, asc, eq, gt, sql } from 'drizzle-orm'
import { clusters, memberships, organizations } from '../db/schema/index.ts'
import { conflict } from '../errors.ts'
import { principalOf, tenantOf, userOf } from '../http/context.ts'
import {
  jsonBody,
  jsonResponse,
  orgRoute,
  principalRoute,
  problem,
  userRoute,
} from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { OrgNameSchema } from '../kafka/names.ts'
import { plans } from '../quota/limits.ts'
import { assertFitsPlan } from '../quota/usage.ts'
import { enqueue, madeBy } from '../resources/changes.ts'
import { assertIfMatch, setEtag } from '../resources/etag.ts'
import {
  createOrganization,
  OrganizationSchema,
  presentOrganization,
} from '../resources/organizations.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { IfMatchHeaders, OrgParams } from './schemas.ts'

const CreateOrgSchema = z
  .object({ name: OrgNameSchema, displayName: z.string().min(1).max(200).optional() })
  .openapi('CreateOrganization')

const PatchOrgSchema = z
  .object({ displayName: z.string().min(1).max(200).optional(), plan: z.enum(plans).optional() })
  .strict()
  .openapi('PatchOrganization')

const listOrgs = principalRoute({
  method: 'get',
  path: '/v1/orgs',
  tags: ['organizations'],
  summary: 'Organizations the caller belongs to',
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of organizations', pageOf(OrganizationSchema)) },
})

const createOrg = userRoute(
  {
    method: 'post',
    path: '/v1/orgs',
    tags: ['organizations'],
    summary: 'Create an organization; the caller becomes its owner',
    request: { body: jsonBody(CreateOrgSchema) },
    responses: {
      201: jsonResponse('Created', OrganizationSchema),
      ...problem(
        409,
        'The name is taken (or the first request with this Idempotency-Key still runs)',
      ),
    },
  },
  { changesAccess: true },
)

const getOrg = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}',
  tags: ['organizations'],
  summary: 'One organization',
  request: { params: OrgParams },
  responses: { 200: jsonResponse('The organization', OrganizationSchema) },
})

const patchOrg = orgRoute(
  'owner',
  {
    method: 'patch',
    path: '/v1/orgs/{org}',
    tags: ['organizations'],
    summary: 'Rename or change the plan (a downgrade must fit the current use)',
    request: { params: OrgParams, headers: IfMatchHeaders, body: jsonBody(PatchOrgSchema) },
    responses: { 200: jsonResponse('Updated', OrganizationSchema) },
  },
  { changesAccess: true },
)

const deleteOrg = orgRoute(
  'owner',
  {
    method: 'delete',
    path: '/v1/orgs/{org}',
    tags: ['organizations'],
    summary: 'Delete an organization that has no clusters left',
    request: { params: OrgParams, headers: IfMatchHeaders },
    responses: { 204: { description: 'Deleted' } },
  },
  { changesAccess: true },
)

export function orgRoutes() {
  const app = newRouter()

  app.openapi(listOrgs, async (c) => {
    const principal = principalOf(c)
    const { limit, cursor } = c.req.valid('query')
    const after = cursor
      ? gt(organizations.name, decodeCursor<string>(cursor, 'string'))
      : undefined
    const visible =
      principal.kind === 'api_key'
        ? eq(organizations.id, principal.orgId)
        : sql`${organizations.id} in (select ${memberships.orgId} from ${memberships} where ${memberships.userId} = ${principal.userId})`
    const rows = await c
      .get('db')
      .select()
      .from(organizations)
      .where(and(visible, after))
      .orderBy(asc(organizations.name))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.name, presentOrganization),
      200,
    )
  })

  app.openapi(createOrg, async (c) => {
    const user = userOf(c)
    const body = c.req.valid('json')
    const org = await c
      .get('db')
      .transaction((tx) =>
        createOrganization(
          tx,
          { ...body, ownerId: user.userId },
          { type: 'user', id: user.userId, label: user.email },
          c.get('requestId'),
        ),
      )
    const presented = presentOrganization(org)
    setEtag(c, presented)
    c.header('location', `/v1/orgs/${org.name}`)
    return c.json(presented, 201)
  })

  app.openapi(getOrg, async (c) => {
    const tenant = tenantOf(c)
    const [org] = await c
      .get('db')
      .select()
      .from(organizations)
      .where(eq(organizations.id, tenant.orgId))
    if (!org) throw new Error('tenant org vanished')
    const presented = presentOrganization(org)
    setEtag(c, presented)
    return c.json(presented, 200)
  })

  app.openapi(patchOrg, async (c) => {
    const tenant = tenantOf(c)
    const patch = c.req.valid('json')
    const updated = await c.get('db').transaction(async (tx) => {
      const [org] = await tx
        .select()
        .from(organizations)
        .where(eq(organizations.id, tenant.orgId))
        .for('update')
      if (!org) throw new Error('tenant org vanished')
      assertIfMatch(c, presentOrganization(org))
      if (patch.plan && patch.plan !== org.plan) await assertFitsPlan(tx, tenant, patch.plan)
      const [row] = await tx
        .update(organizations)
        .set({ ...patch, generation: org.generation + 1, updatedAt: new Date() })
        .where(eq(organizations.id, tenant.orgId))
        .returning()
      if (!row) throw new Error('update returned nothing')
      await enqueue(tx, {
        ...madeBy(c, tenant),
        action: 'organization.update',
        targetName: row.name,
        aggregateId: row.id,
        payload: patch,
      })
      return row
    })
    const presented = presentOrganization(updated)
    setEtag(c, presented)
    return c.json(presented, 200)
  })

  app.openapi(deleteOrg, async (c) => {
    const tenant = tenantOf(c)
    await c.get('db').transaction(async (tx) => {
      const [org] = await tx
        .select()
        .from(organizations)
        .where(eq(organizations.id, tenant.orgId))
        .for('update')
      if (!org) throw new Error('tenant org vanished')
      assertIfMatch(c, presentOrganization(org))
      const [cluster] = await tx
        .select({ name: clusters.name })
        .from(clusters)
        .where(eq(clusters.orgId, tenant.orgId))
        .limit(1)
      if (cluster) throw conflict(`Delete the clusters first (${cluster.name} is still there)`)
      await tx.delete(organizations).where(eq(organizations.id, tenant.orgId))
      // Kept without org id: the org's own audit trail goes with it.
      await enqueue(tx, {
        orgId: null,
        actor: tenant.actor,
        requestId: c.get('requestId'),
        action: 'organization.delete',
        targetName: org.name,
        aggregateId: org.id,
        payload: { name: org.name, namespace: org.namespace },
      })
    })
    return c.body(null, 204)
  })

  return app
}
