import { z } from '@hono/zod-openapi'
import { eq } from 'drizzle-orm'
import { hashPassword, verifyAgainstDecoy, verifyPassword } from '../auth/password.ts'
import type { FixedWindowLimiter } from '../auth/rate-limit.ts'
import {
  clearSessionCookies,
  createSession,
  invalidateSession,
  setSessionCookies,
} from '../auth/sessions.ts'
import { users } from '../db/schema/index.ts'
import { ApiError, conflict, isUniqueViolation } from '../errors.ts'
import { clientIp } from '../http/client-ip.ts'
import { jsonBody, jsonResponse, problem, publicRoute } from '../http/openapi.ts'
import { newRouter } from '../http/router.ts'
import { OrgNameSchema } from '../kafka/names.ts'
import { createOrganization } from '../resources/organizations.ts'
import { EmailSchema, PasswordSchema, UserSchema } from './schemas.ts'

const SignupSchema = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    name: z.string().min(1).max(200).optional(),
    organization: z.object({
      name: OrgNameSchema,
      displayName: z.string().min(1).max(200).optional(),
    }),
  })
  .openapi('Signup')

const LoginSchema = z
  .object({ email: EmailSchema, password: z.string().min(1).max(256) })
  .openapi('Login')

const SessionSchema = z
  .object({
    user: UserSchema,
    csrfToken: z.string().openapi({ description: 'Send it as X-CSRF-Token on cookie writes' }),
  })
  .openapi('Session')

const signup = publicRoute({
  method: 'post',
  path: '/v1/auth/signup',
  tags: ['auth'],
  summary: 'Create a user, their organization (as owner) and a session',
  request: { body: jsonBody(SignupSchema) },
  responses: {
    201: jsonResponse('Signed up and signed in', SessionSchema),
    ...problem(
      409,
      'The email already has an account or the organization name is taken (or the first request with this Idempotency-Key still runs)',
    ),
  },
})

const login = publicRoute({
  method: 'post',
  path: '/v1/auth/login',
  tags: ['auth'],
  summary: 'Start a console session',
  request: { body: jsonBody(LoginSchema) },
  responses: {
    200: jsonResponse('Signed in', SessionSchema),
    ...problem(
      401,
      'Wrong email or password (the same answer for an unknown email), or an invalid API key was sent',
    ),
  },
})

const logout = publicRoute(
  {
    method: 'post',
    path: '/v1/auth/logout',
    tags: ['auth'],
    summary: 'End the current session',
    responses: { 204: { description: 'Signed out' } },
  },
  { changesAccess: true },
)

export function authRoutes(loginLimiter: FixedWindowLimiter) {
  const app = newRouter()

  app.openapi(signup, async (c) => {
    const body = c.req.valid('json')
    const passwordHash = await hashPassword(body.password)
    const { user, issued } = await c.get('db').transaction(async (tx) => {
      let user: typeof users.$inferSelect | undefined
      try {
        ;[user] = await tx
          .insert(users)
          .values({ email: body.email, name: body.name ?? body.email, passwordHash })
          .returning()
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`${body.email} already has an account`)
        throw error
      }
      if (!user) throw new Error('insert returned nothing')
      const actor = { type: 'user' as const, id: user.id, label: user.email }
      await createOrganization(
        tx,
        { ...body.organization, ownerId: user.id },
        actor,
        c.get('requestId'),
      )
      return { user, issued: await createSession(tx, user.id) }
    })
    setSessionCookies(c, issued.token, issued.session, c.get('config').behindTls)
    return c.json(
      {
        user: { id: user.id, email: user.email, name: user.name },
        csrfToken: issued.session.csrfToken,
      },
      201,
    )
  })

  app.openapi(login, async (c) => {
    const { email, password } = c.req.valid('json')
    const limiterKey = `${clientIp(c)}|${email}`
    const decision = loginLimiter.hit(limiterKey)
    if (!decision.allowed) {
      throw new ApiError('rate_limited', 'Too many sign-in attempts; wait and try again', {
        extra: { retryAfterSeconds: decision.retryAfterSeconds },
      })
    }
    const db = c.get('db')
    const [user] = await db.select().from(users).where(eq(users.email, email))
    const valid = user
      ? await verifyPassword(user.passwordHash, password)
      : await verifyAgainstDecoy(password)
    if (!user || !valid) throw new ApiError('unauthorized', 'Wrong email or password')
    loginLimiter.reset(limiterKey)
    const issued = await createSession(db, user.id)
    setSessionCookies(c, issued.token, issued.session, c.get('config').behindTls)
    return c.json(
      {
        user: { id: user.id, email: user.email, name: user.name },
        csrfToken: issued.session.csrfToken,
      },
      200,
    )
  })

  app.openapi(logout, async (c) => {
    const principal = c.get('principal')
    if (principal?.kind === 'user') await invalidateSession(c.get('db'), principal.sessionId)
    clearSessionCookies(c, c.get('config').behindTls)
    return c.body(null, 204)
  })

  return app
}
