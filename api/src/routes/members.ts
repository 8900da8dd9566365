import { z } from '@hono/zod-openapi'
import { and, asc, count, eq, gt } from 'drizzle-orm'
import { type Role, roleAtLeast } from '../auth/roles.ts'
import type { Tx } from '../db/client.ts'
import { memberships, users } from '../db/schema/index.ts'
import { conflict, forbidden, notFound } from '../errors.ts'
import { type AppContext, type Tenant, tenantOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { type ChangeKind, enqueue, madeBy } from '../resources/changes.ts'
import { assertIfMatch, setEtag } from '../resources/etag.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { IfMatchHeaders, OrgParams, RoleSchema } from './schemas.ts'

const MemberSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Member')

const MemberParams = OrgParams.extend({
  email: z.email().openapi({ param: { name: 'email', in: 'path' }, example: 'ada@example.com' }),
})
const tags = ['members']
const item = '/v1/orgs/{org}/members/{email}'

const listMembers = orgRoute('viewer', {
  method: 'get',
  path: '/v1/orgs/{org}/members',
  tags,
  summary: 'Members of the organization and their roles',
  request: { params: OrgParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of members', pageOf(MemberSchema)) },
})

const getMember = orgRoute('viewer', {
  method: 'get',
  path: item,
  tags,
  summary: 'One member',
  request: { params: MemberParams },
  responses: { 200: jsonResponse('The member', MemberSchema) },
})

const patchMember = orgRoute(
  'admin',
  {
    method: 'patch',
    path: item,
    tags,
    summary: "Change a member's role (only owners grant or take away owner)",
    request: {
      params: MemberParams,
      headers: IfMatchHeaders,
      body: jsonBody(z.object({ role: RoleSchema }).strict().openapi('MemberPatch')),
    },
    responses: { 200: jsonResponse('Updated', MemberSchema) },
  },
  { changesAccess: true },
)

const deleteMember = orgRoute(
  'admin',
  {
    method: 'delete',
    path: item,
    tags,
    summary: 'Remove a member (the last owner stays)',
    request: { params: MemberParams, headers: IfMatchHeaders },
    responses: { 204: { description: 'Removed' } },
  },
  { changesAccess: true },
)

const memberColumns = {
  userId: users.id,
  email: users.email,
  name: users.name,
  role: memberships.role,
  createdAt: memberships.createdAt,
  updatedAt: memberships.updatedAt,
}

type MemberRow = {
  userId: string
  email: string
  name: string
  role: string
  createdAt: Date
  updatedAt: Date
}

function presentMember(row: MemberRow): z.infer<typeof MemberSchema> {
  return {
    ...row,
    role: row.role as Role,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

async function findMember(tx: Tx, tenant: Tenant, email: string): Promise<MemberRow> {
  const [row] = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, tenant.orgId), eq(users.email, email.toLowerCase())))
    .for('update')
  if (!row) throw notFound(`Member ${email}`)
  return row
}

/** Owners are only made or unmade by owners, and an org never loses its last owner. */
async function assertOwnershipRules(tx: Tx, tenant: Tenant, member: MemberRow, newRole?: Role) {
  const touchesOwner = member.role === 'owner' || newRole === 'owner'
  if (touchesOwner && !roleAtLeast(tenant.role, 'owner')) {
    throw forbidden('Only an owner can grant or take away the owner role')
  }
  if (member.role === 'owner' && newRole !== 'owner') {
    const [owners] = await tx
      .select({ value: count() })
      .from(memberships)
      .where(and(eq(memberships.orgId, tenant.orgId), eq(memberships.role, 'owner')))
    if ((owners?.value ?? 0) <= 1) throw conflict('An organization keeps at least one owner')
  }
}

async function recordMemberChange(
  c: AppContext,
  tx: Tx,
  tenant: Tenant,
  member: MemberRow,
  change: Extract<ChangeKind, { action: `member.${string}` }>,
) {
  await enqueue(tx, {
    ...madeBy(c, tenant),
    targetName: member.email,
    aggregateId: member.userId,
    ...change,
  })
}

export function memberRoutes() {
  const app = newRouter()

  app.openapi(listMembers, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const rows = await c
      .get('db')
      .select(memberColumns)
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(
        and(
          eq(memberships.orgId, tenant.orgId),
          cursor ? gt(users.email, decodeCursor<string>(cursor, 'string')) : undefined,
        ),
      )
      .orderBy(asc(users.email))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.email, presentMember),
      200,
    )
  })

  app.openapi(getMember, async (c) => {
    const tenant = tenantOf(c)
    const member = await c
      .get('db')
      .transaction((tx) => findMember(tx, tenant, c.req.valid('param').email))
    const shown = presentMember(member)
    setEtag(c, shown)
    return c.json(shown, 200)
  })

  app.openapi(patchMember, async (c) => {
    const tenant = tenantOf(c)
    const { role } = c.req.valid('json')
    const updated = await c.get('db').transaction(async (tx) => {
      const member = await findMember(tx, tenant, c.req.valid('param').email)
      assertIfMatch(c, presentMember(member))
      if (member.role === role) return member
      await assertOwnershipRules(tx, tenant, member, role)
      const now = new Date()
      await tx
        .update(memberships)
        .set({ role, updatedAt: now })
        .where(and(eq(memberships.orgId, tenant.orgId), eq(memberships.userId, member.userId)))
      await recordMemberChange(c, tx, tenant, member, {
        action: 'member.update',
        payload: { from: member.role, to: role },
      })
      return { ...member, role, updatedAt: now }
    })
    const shown = presentMember(updated)
    setEtag(c, shown)
    return c.json(shown, 200)
  })

  app.openapi(deleteMember, async (c) => {
    const tenant = tenantOf(c)
    await c.get('db').transaction(async (tx) => {
      const member = await findMember(tx, tenant, c.req.valid('param').email)
      assertIfMatch(c, presentMember(member))
      await assertOwnershipRules(tx, tenant, member)
      await tx
        .delete(memberships)
        .where(and(eq(memberships.orgId, tenant.orgId), eq(memberships.userId, member.userId)))
      await recordMemberChange(c, tx, tenant, member, {
        action: 'member.delete',
        payload: { role: member.role },
      })
    })
    return c.body(null, 204)
  })

  return app
}
