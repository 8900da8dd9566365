import { lt } from 'drizzle-orm'
import type { Db } from './client.ts'
import { idempotencyKeys, sessions } from './schema/index.ts'

// Long enough for any client's retries; Stripe keeps keys for the same day.
const idempotencyRetentionMs = 24 * 60 * 60 * 1000

/** Forgets expired sessions and old idempotency keys. */
export async function sweepExpired(db: Db, now = new Date()): Promise<void> {
  await db.delete(sessions).where(lt(sessions.expiresAt, now))
  await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - idempotencyRetentionMs)))
}
