import { z } from '@hono/zod-openapi'
import { and, asc, eq, gt } from 'drizzle-orm'
import { type Role, roleAtLeast } from '../auth/roles.ts'
import { randomToken, sha256Hex } from '../auth/tokens.ts'
import type { Tx } from '../db/client.ts'
import { invitations, memberships, organizations } from '../db/schema/index.ts'
import { conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts'
import { type Actor, tenantOf, userOf } from '../http/context.ts'
import { jsonBody, jsonResponse, orgRoute, problem, userRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { enqueue } from '../resources/changes.ts'
import { decodeCursor, PageQuerySchema, pageFrom, pageOf } from '../resources/pagination.ts'
import { EmailSchema, OrgParams, RoleSchema } from './schemas.ts'

const invitationLifetimeMs = 7 * 24 * 60 * 60 * 1000

const InvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: RoleSchema,
    expiresAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Invitation')

const CreatedInvitationSchema = InvitationSchema.extend({
  token: z.string().openapi({ description: 'Shown once; the invitee accepts with it' }),
}).openapi('CreatedInvitation')

const InvitationParams = OrgParams.extend({
  invitation: z.uuid().openapi({ param: { name: 'invitation', in: 'path' } }),
})
const tags = ['invitations']

const listInvitations = orgRoute('admin', {
  method: 'get',
  path: '/v1/orgs/{org}/invitations',
  tags,
  summary: 'Pending invitations',
  request: { params: OrgParams, query: PageQuerySchema },
  responses: { 200: jsonResponse('A page of invitations', pageOf(InvitationSchema)) },
})

const createInvitation = orgRoute('admin', {
  method: 'post',
  path: '/v1/orgs/{org}/invitations',
  tags,
  summary: 'Invite someone by email with a role',
  request: {
    params: OrgParams,
    body: jsonBody(
      z.object({ email: EmailSchema, role: RoleSchema }).strict().openapi('CreateInvitation'),
    ),
  },
  responses: { 201: jsonResponse('Invited; the token is shown once', CreatedInvitationSchema) },
})

const deleteInvitation = orgRoute('admin', {
  method: 'delete',
  path: '/v1/orgs/{org}/invitations/{invitation}',
  tags,
  summary: 'Revoke an invitation',
  request: { params: InvitationParams },
  responses: { 204: { description: 'Revoked' } },
})

const acceptInvitation = userRoute(
  {
    method: 'post',
    path: '/v1/invitations/accept',
    tags,
    summary: 'Join an organization with an invitation sent to your email',
    request: {
      body: jsonBody(z.object({ token: z.string().min(1).max(200) }).openapi('AcceptInvitation')),
    },
    responses: {
      200: jsonResponse('Joined', z.object({ organization: z.string(), role: RoleSchema })),
      ...problem(
        404,
        'No such invitation for you: unknown token, expired, or sent to another email',
      ),
      ...problem(
        409,
        'You are already a member (or the first request with this Idempotency-Key still runs)',
      ),
    },
  },
  { changesAccess: true },
)

type InvitationRow = typeof invitations.$inferSelect

function presentInvitation(row: InvitationRow): z.infer<typeof InvitationSchema> {
  return {
    id: row.id,
    email: row.email,
    role: row.role as Role,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  }
}

async function recordInvitation(
  tx: Tx,
  orgId: string,
  actor: Actor,
  requestId: string,
  action: 'create' | 'delete' | 'accept',
  row: InvitationRow,
) {
  await enqueue(tx, {
    orgId,
    actor,
    requestId,
    action: `invitation.${action}`,
    targetName: row.email,
    aggregateId: row.id,
    payload: { email: row.email, role: row.role },
  })
}

export function invitationRoutes() {
  const app = newRouter()

  app.openapi(listInvitations, async (c) => {
    const tenant = tenantOf(c)
    const { limit, cursor } = c.req.valid('query')
    const rows = await c
      .get('db')
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.orgId, tenant.orgId),
          cursor ? gt(invitations.email, decodeCursor<string>(cursor, 'string')) : undefined,
        ),
      )
      .orderBy(asc(invitations.email))
      .limit(limit + 1)
    return c.json(
      pageFrom(rows, limit, (row) => row.email, presentInvitation),
      200,
    )
  })

  app.openapi(createInvitation, async (c) => {
    const tenant = tenantOf(c)
    const { email, role } = c.req.valid('json')
    if (role === 'owner' && !roleAtLeast(tenant.role, 'owner')) {
      throw forbidden('Only an owner can invite an owner')
    }
    const token = randomToken(24)
    const row = await c.get('db').transaction(async (tx) => {
      let inserted: InvitationRow | undefined
      try {
        ;[inserted] = await tx
          .insert(invitations)
          .values({
            orgId: tenant.orgId,
            email,
            role,
            tokenHash: sha256Hex(token),
            invitedBy: tenant.actor.type === 'user' ? tenant.actor.id : null,
            expiresAt: new Date(Date.now() + invitationLifetimeMs),
          })
          .returning()
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`${email} is already invited`)
        throw error
      }
      if (!inserted) throw new Error('insert returned nothing')
      await recordInvitation(tx, tenant.orgId, tenant.actor, c.get('requestId'), 'create', inserted)
      return inserted
    })
    return c.json({ ...presentInvitation(row), token }, 201)
  })

  app.openapi(deleteInvitation, async (c) => {
    const tenant = tenantOf(c)
    await c.get('db').transaction(async (tx) => {
      const [row] = await tx
        .delete(invitations)
        .where(
          and(
            eq(invitations.orgId, tenant.orgId),
            eq(invitations.id, c.req.valid('param').invitation),
          ),
        )
        .returning()
      if (!row) throw notFound('Invitation')
      await recordInvitation(tx, tenant.orgId, tenant.actor, c.get('requestId'), 'delete', row)
    })
    return c.body(null, 204)
  })

  app.openapi(acceptInvitation, async (c) => {
    const user = userOf(c)
    const { token } = c.req.valid('json')
    const joined = await c.get('db').transaction(async (tx) => {
      const [row] = await tx
        .select({ invitation: invitations, organization: organizations.name })
        .from(invitations)
        .innerJoin(organizations, eq(organizations.id, invitations.orgId))
        .where(eq(invitations.tokenHash, sha256Hex(token)))
        .for('update')
      // Another person's invitation is as unknown as a made-up token.
      if (!row || row.invitation.email !== user.email || row.invitation.expiresAt < new Date()) {
        throw notFound('Invitation')
      }
      const { invitation } = row
      // A member's role changes through PATCH, never by accepting an invitation.
      const joined = await tx
        .insert(memberships)
        .values({ orgId: invitation.orgId, userId: user.userId, role: invitation.role })
        .onConflictDoNothing()
        .returning({ role: memberships.role })
      if (joined.length === 0) throw conflict(`You are already a member of ${row.organization}`)
      await tx.delete(invitations).where(eq(invitations.id, invitation.id))
      const actor = { type: 'user' as const, id: user.userId, label: user.email }
      await recordInvitation(tx, invitation.orgId, actor, c.get('requestId'), 'accept', invitation)
      return { organization: row.organization, role: invitation.role as Role }
    })
    return c.json(joined, 200)
  })

  return app
}
