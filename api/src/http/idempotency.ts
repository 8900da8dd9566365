import { and, eq, lt } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'
import { sha256Hex } from '../auth/tokens.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import { ApiError, invalidField } from '../errors.ts'
import type { AppEnv } from './context.ts'

const lockMs = 60_000
const replayedHeaders = ['content-type', 'etag', 'location']

/**
 * `Idempotency-Key` on POST: the first response (below 500) is stored and replayed for the
 * same key and body; the same key with another body or path is refused.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header('idempotency-key')
  const principal = c.get('principal')
  if (c.req.method !== 'POST' || key === undefined || !principal) return next()
  if (key.length < 1 || key.length > 255) {
    throw invalidField('header.idempotency-key', 'must be 1 to 255 characters')
  }
  const db = c.get('db')
  const principalId =
    principal.kind === 'user' ? `user:${principal.userId}` : `key:${principal.keyId}`
  const requestHash = sha256Hex(`${c.req.path}\n${await c.req.text()}`)
  const slot = and(eq(idempotencyKeys.principalId, principalId), eq(idempotencyKeys.key, key))
  const now = new Date()
  const reserved = await db
    .insert(idempotencyKeys)
    .values({ principalId, key, requestHash, lockedUntil: new Date(now.getTime() + lockMs) })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
  if (reserved.length === 0) {
    const [existing] = await db.select().from(idempotencyKeys).where(slot)
    if (!existing) throw new ApiError('idempotency_in_progress', 'Retry in a moment')
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        'idempotency_key_reused',
        `Idempotency-Key ${key} was used for another request`,
      )
    }
    if (existing.status !== null) {
      return new Response(existing.responseBody, {
        status: existing.status,
        headers: {
          ...existing.responseHeaders,
          'idempotent-replayed': 'true',
          'x-request-id': c.get('requestId'),
        },
      })
    }
    // A first attempt that died holding the lock may be taken over once the lock expires.
    const takenOver = await db
      .update(idempotencyKeys)
      .set({ lockedUntil: new Date(now.getTime() + lockMs) })
      .where(and(slot, lt(idempotencyKeys.lockedUntil, now)))
      .returning({ key: idempotencyKeys.key })
    if (takenOver.length === 0) {
      throw new ApiError(
        'idempotency_in_progress',
        'The first request with this key is still running',
      )
    }
  }
  await next()
  if (c.res.status >= 500) {
    await db.delete(idempotencyKeys).where(slot)
    return
  }
  const headers = Object.fromEntries(
    replayedHeaders.flatMap((name) => {
      const value = c.res.headers.get(name)
      return value === null ? [] : [[name, value]]
    }),
  )
  await db
    .update(idempotencyKeys)
    .set({
      status: c.res.status,
      responseBody: await c.res.clone().text(),
      responseHeaders: headers,
    })
    .where(slot)
})
