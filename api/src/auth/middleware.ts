import { and, eq, sql } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'
import { preparedQuery } from '../db/client.ts'
import { memberships, organizations } from '../db/schema/index.ts'
import { ApiError, notFound } from '../errors.ts'
import { type AppEnv, actorOf, principalOf, userOf } from '../http/context.ts'
import { authenticateApiKey, looksLikeApiKey } from './api-keys.ts'
import { type Role, roleAtLeast } from './roles.ts'
import { readSessionToken, setSessionCookies, validateSessionToken } from './sessions.ts'
import { constantTimeEqual } from './tokens.ts'

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])
const csrfHeader = 'x-csrf-token'

/**
 * Identifies the caller from `Authorization: Bearer` or the session cookie, without refusing
 * anyone: routes decide what they need. A cookie-authenticated write that does not echo the
 * CSRF token gets no principal, and a route that needs one answers `csrf_failed`.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const db = c.get('db')
  const access = c.get('access')
  const authorization = c.req.header('authorization')
  if (authorization !== undefined) {
    const [scheme, token] = authorization.split(' ')
    const principal =
      scheme?.toLowerCase() === 'bearer' && token && looksLikeApiKey(token)
        ? await authenticateApiKey(db, access, token)
        : null
    if (!principal) throw new ApiError('unauthorized', 'The API key is invalid or revoked')
    c.set('principal', principal)
    return next()
  }
  const token = readSessionToken(c)
  const valid = token ? await validateSessionToken(db, access, token) : null
  if (token && valid) {
    const sent = c.req.header(csrfHeader) ?? ''
    if (!safeMethods.has(c.req.method) && !constantTimeEqual(sent, valid.session.csrfToken)) {
      c.set('csrfRejected', true)
      return next()
    }
    if (valid.renewed) setSessionCookies(c, token, valid.session, c.get('config').behindTls)
    c.set('principal', {
      kind: 'user',
      userId: valid.user.id,
      email: valid.user.email,
      name: valid.user.name,
      sessionId: valid.session.id,
    })
  }
  return next()
})

/**
 * For routes whose writes change who may do what (sessions, passwords, keys, members, orgs):
 * this replica forgets what it cached before the answer goes out, so the very next request
 * sees the change; other replicas hear of it from the database (see AccessCache).
 */
export const changesAccess = createMiddleware<AppEnv>(async (c, next) => {
  try {
    await next()
  } finally {
    if (!safeMethods.has(c.req.method)) c.get('access').forget()
  }
})

export const requirePrincipal = createMiddleware<AppEnv>(async (c, next) => {
  principalOf(c)
  return next()
})

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  userOf(c)
  return next()
})

// One round trip: the org and, for a user, their membership in it.
const orgWithMembership = preparedQuery((db) =>
  db
    .select({ org: organizations, memberRole: memberships.role })
    .from(organizations)
    .leftJoin(
      memberships,
      and(
        eq(memberships.orgId, organizations.id),
        eq(memberships.userId, sql.placeholder('userId')),
      ),
    )
    .where(eq(organizations.name, sql.placeholder('orgName')))
    .prepare('org_with_membership'),
)

/**
 * Resolves `{org}` for the caller and checks the role. An org the caller cannot see answers
 * 404, exactly like one that does not exist.
 */
export function orgAccess(required: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = principalOf(c)
    const orgName = c.req.param('org') ?? ''
    const userId = principal.kind === 'user' ? principal.userId : null
    const row = await c.get('access').get(`org:${orgName}:${userId ?? ''}`, async () => {
      const [found] = await orgWithMembership(c.get('db')).execute({ orgName, userId })
      return found
    })
    const org = row?.org
    let role = (row?.memberRole as Role | null | undefined) ?? undefined
    if (principal.kind === 'api_key')
      role = org?.id === principal.orgId ? principal.role : undefined
    if (!org || !role) throw notFound(`Organization ${orgName}`)
    if (!roleAtLeast(role, required)) {
      throw new ApiError('forbidden', `This needs the ${required} role; you are ${role}`)
    }
    c.set('tenant', {
      orgId: org.id,
      orgName: org.name,
      namespace: org.namespace,
      plan: org.plan,
      role,
      actor: actorOf(principal),
    })
    return next()
  })
}
