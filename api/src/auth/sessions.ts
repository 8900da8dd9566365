import { and, eq, ne, sql } from 'drizzle-orm'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { type Executor, preparedQuery } from '../db/client.ts'
import { sessions, users } from '../db/schema/index.ts'
import type { AccessCache } from './access-cache.ts'
import { randomToken, sha256Hex } from './tokens.ts'

// Sessions follow the Lucia guide: a random token in the cookie, its SHA-256 as the row id,
// and a sliding expiry renewed once half of it has passed.
const sessionLifetimeMs = 30 * 24 * 60 * 60 * 1000
export const sessionCookie = 'fjord_session'
export const csrfCookie = 'fjord_csrf'

export interface SessionRecord {
  id: string
  userId: string
  csrfToken: string
  expiresAt: Date
}

export interface IssuedSession {
  token: string
  session: SessionRecord
}

export async function createSession(db: Executor, userId: string): Promise<IssuedSession> {
  const token = randomToken(24)
  const session: SessionRecord = {
    id: sha256Hex(token),
    userId,
    csrfToken: randomToken(24),
    expiresAt: new Date(Date.now() + sessionLifetimeMs),
  }
  await db.insert(sessions).values(session)
  return { token, session }
}

export interface ValidSession {
  session: SessionRecord
  user: { id: string; email: string; name: string }
  renewed: boolean
}

const sessionById = preparedQuery((db) =>
  db
    .select({ session: sessions, user: { id: users.id, email: users.email, name: users.name } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare('session_by_id'),
)

export async function validateSessionToken(
  db: Executor,
  access: AccessCache,
  token: string,
): Promise<ValidSession | null> {
  const id = sha256Hex(token)
  const row = await access.get(`session:${id}`, async () => {
    const [found] = await sessionById(db).execute({ id })
    return found
  })
  if (!row) return null
  const { session, user } = row
  const now = Date.now()
  if (session.expiresAt.getTime() <= now) {
    await db.delete(sessions).where(eq(sessions.id, session.id))
    return null
  }
  const renewed = session.expiresAt.getTime() - now < sessionLifetimeMs / 2
  if (renewed) {
    session.expiresAt = new Date(now + sessionLifetimeMs)
    await db
      .update(sessions)
      .set({ expiresAt: session.expiresAt })
      .where(eq(sessions.id, session.id))
  }
  return { session, user, renewed }
}

export async function invalidateSession(db: Executor, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId))
}

/** Signs the user out everywhere, except the session that asked when given. */
export async function invalidateUserSessions(
  db: Executor,
  userId: string,
  exceptSessionId?: string,
): Promise<void> {
  const mine = eq(sessions.userId, userId)
  await db
    .delete(sessions)
    .where(exceptSessionId ? and(mine, ne(sessions.id, exceptSessionId)) : mine)
}

export function readSessionToken(c: Context): string | undefined {
  return getCookie(c, sessionCookie)
}

export function setSessionCookies(
  c: Context,
  token: string,
  session: SessionRecord,
  secure: boolean,
): void {
  const common = { path: '/', sameSite: 'Lax', secure, expires: session.expiresAt } as const
  setCookie(c, sessionCookie, token, { ...common, httpOnly: true })
  // Readable by the console so it can echo it in X-CSRF-Token.
  setCookie(c, csrfCookie, session.csrfToken, common)
}

export function clearSessionCookies(c: Context, secure: boolean): void {
  deleteCookie(c, sessionCookie, { path: '/', secure })
  deleteCookie(c, csrfCookie, { path: '/', secure })
}
