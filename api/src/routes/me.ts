import { z } from '@hono/zod-openapi'
import { eq, sql } from 'drizzle-orm'
import { hashPassword, verifyPassword } from '../auth/password.ts'
import { createSession, invalidateUserSessions, setSessionCookies } from '../auth/sessions.ts'
import { preparedQuery } from '../db/client.ts'
import { memberships, organizations, users } from '../db/schema/index.ts'
import { ApiError } from '../errors.ts'
import { principalOf, userOf } from '../http/context.ts'
import { jsonBody, jsonResponse, principalRoute, userRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { enqueue } from '../resources/changes.ts'
import { PasswordSchema, RoleSchema, UserSchema } from './schemas.ts'

const MembershipsSchema = z.array(z.object({ organization: z.string(), role: RoleSchema }))

// One shape per kind of caller, so a generated client knows `user` is there exactly when
// `kind` is `user`, and `apiKey` exactly when it is `api_key`.
const MeSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('user'),
        user: UserSchema,
        apiKey: z.null(),
        memberships: MembershipsSchema.openapi({ description: 'Every org the user belongs to' }),
      })
      .openapi('MeAsUser', { description: 'A signed-in user (console session)' }),
    z
      .object({
        kind: z.literal('api_key'),
        user: z.null().openapi({ description: 'An API key acts for no user' }),
        apiKey: z.object({ name: z.string(), prefix: z.string(), role: RoleSchema }),
        memberships: MembershipsSchema.openapi({
          description: "The key's one org, with the key's role",
        }),
      })
      .openapi('MeAsApiKey', { description: 'An API key (CLI, scripts, CI)' }),
  ])
  .openapi('Me')

const PasswordChangeSchema = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: PasswordSchema })
  .openapi('PasswordChange')

const getMe = principalRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['auth'],
  summary: 'Who is calling, and in which organizations',
  responses: { 200: jsonResponse('The caller', MeSchema) },
})

const changePassword = userRoute(
  {
    method: 'post',
    path: '/v1/me/password',
    tags: ['auth'],
    summary: 'Change the password; every other session is signed out',
    request: { body: jsonBody(PasswordChangeSchema) },
    responses: {
      200: jsonResponse(
        'Changed; a fresh session replaces the current one',
        z.object({ csrfToken: z.string() }),
      ),
    },
  },
  { changesAccess: true },
)

const membershipsOfUser = preparedQuery((db) =>
  db
    .select({ organization: organizations.name, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(memberships.userId, sql.placeholder('userId')))
    .orderBy(organizations.name)
    .prepare('memberships_of_user'),
)

export function meRoutes() {
  const app = newRouter()

  app.openapi(getMe, async (c) => {
    const principal = principalOf(c)
    const db = c.get('db')
    if (principal.kind === 'api_key') {
      const [org] = await db
        .select({ name: organizations.name })
        .from(organizations)
        .where(eq(organizations.id, principal.orgId))
      return c.json(
        {
          kind: 'api_key' as const,
          user: null,
          apiKey: { name: principal.name, prefix: principal.prefix, role: principal.role },
          memberships: [{ organization: org?.name ?? '', role: principal.role }],
        },
        200,
      )
    }
    const rows = await c
      .get('access')
      .get(`memberships:${principal.userId}`, () =>
        membershipsOfUser(db).execute({ userId: principal.userId }),
      )
    return c.json(
      {
        kind: 'user' as const,
        user: { id: principal.userId, email: principal.email, name: principal.name },
        apiKey: null,
        memberships: (rows ?? []).map((row) => ({ ...row, role: RoleSchema.parse(row.role) })),
      },
      200,
    )
  })

  app.openapi(changePassword, async (c) => {
    const principal = userOf(c)
    const { currentPassword, newPassword } = c.req.valid('json')
    const db = c.get('db')
    const [user] = await db.select().from(users).where(eq(users.id, principal.userId))
    if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new ApiError('unauthorized', 'The current password is wrong')
    }
    const passwordHash = await hashPassword(newPassword)
    const issued = await db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ passwordHash, updatedAt: new Date() })
        .where(eq(users.id, user.id))
      await invalidateUserSessions(tx, user.id)
      await enqueue(tx, {
        orgId: null,
        actor: { type: 'user', id: user.id, label: user.email },
        requestId: c.get('requestId'),
        action: 'user.password.change',
        targetName: user.email,
        aggregateId: user.id,
        payload: {},
      })
      return createSession(tx, user.id)
    })
    setSessionCookies(c, issued.token, issued.session, c.get('config').behindTls)
    return c.json({ csrfToken: issued.session.csrfToken }, 200)
  })

  return app
}
