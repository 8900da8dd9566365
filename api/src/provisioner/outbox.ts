import { type Backoff, backoffDelay } from '@fjord/time/backoff'
import type { Clock } from '@fjord/time/clock'
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { outbox } from '../db/schema/index.ts'

export interface OutboxEntry {
  id: number
  orgId: string | null
  aggregateType: string
  aggregateId: string
  action: string
  payload: Record<string, unknown>
  attempts: number
}

/** The channel every insert into the outbox notifies on commit (migration 0009). */
export const outboxChannel = 'fjord_outbox'

/** How long a claim keeps other replicas off a row; a crashed replica's rows return after it. */
export const claimSeconds = 30
// A row waits half to all of 500 ms after its first failure, twice that after each next one,
// and never more than 15 s, so that a change follows an outage closely.
const retryBackoff: Backoff = { initialMs: 500, maxMs: 15_000, jitter: 0.5 }

/**
 * What claims and retries read the time from. Without one they use the database's own
 * `now()`: replicas on several machines then judge every row's claim and backoff by one
 * clock, so a replica whose clock runs ahead cannot take a row another still holds. Tests
 * pass one to put a claim exactly before or at a boundary.
 */
export type OutboxClock = Pick<Clock, 'now'>

function nowOf(clock: OutboxClock | undefined): SQL {
  return clock ? sql`${new Date(clock.now()).toISOString()}::timestamptz` : sql`now()`
}

/**
 * Claims up to `limit` pending rows, oldest first. SKIP LOCKED lets replicas claim side by
 * side without waiting for each other; the lease (locked_until) keeps a row from being
 * claimed twice while its first claimant works on it outside the transaction.
 */
export async function claim(db: Db, limit: number, clock?: OutboxClock): Promise<OutboxEntry[]> {
  const now = nowOf(clock)
  // Both drivers answer an execute with { rows }.
  const result = (await db.execute(sql`
    update outbox
       set locked_until = ${now} + make_interval(secs => ${claimSeconds}), attempts = attempts + 1
     where id in (
       select id from outbox
        where processed_at is null
          and next_attempt_at <= ${now}
          and (locked_until is null or locked_until < ${now})
        order by id
        limit ${limit}
        for update skip locked)
    returning id, org_id, aggregate_type, aggregate_id, action, payload, attempts`)) as {
    rows: Record<string, unknown>[]
  }
  return result.rows
    .map((row) => ({
      id: Number(row.id),
      orgId: row.org_id as string | null,
      aggregateType: row.aggregate_type as string,
      aggregateId: row.aggregate_id as string,
      action: row.action as string,
      payload: row.payload as Record<string, unknown>,
      attempts: Number(row.attempts),
    }))
    .sort((a, b) => a.id - b.id)
}

/**
 * How long until the next pending row may be claimed: one waiting for its retry, or one
 * another replica claimed and may never finish. Infinity when none is pending.
 */
export async function nextDueInMs(db: Db, clock?: OutboxClock): Promise<number> {
  const now = nowOf(clock)
  const result = (await db.execute(sql`
    select extract(epoch from min(greatest(next_attempt_at, coalesce(locked_until, next_attempt_at))) - ${now}) * 1000 as ms
      from outbox
     where processed_at is null`)) as { rows: { ms: string | number | null }[] }
  const ms = result.rows[0]?.ms
  return ms === null || ms === undefined ? Number.POSITIVE_INFINITY : Math.max(0, Number(ms))
}

export async function complete(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await db.execute(sql`
    update outbox set processed_at = now(), locked_until = null, last_error = null
     where id in (${sql.join(ids, sql`, `)})`)
}

/** How long a row waits after its `attempts`-th failed attempt. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  return backoffDelay(attempts - 1, retryBackoff, random)
}

export async function retryLater(
  db: Db,
  ids: number[],
  attempts: number,
  error: string,
  delayMs = retryDelayMs(attempts),
  clock?: OutboxClock,
): Promise<void> {
  if (ids.length === 0) return
  await db.execute(sql`
    update outbox
       set locked_until = null,
           next_attempt_at = ${nowOf(clock)} + make_interval(secs => ${delayMs / 1000}),
           last_error = ${error.slice(0, 2000)}
     where id in (${sql.join(ids, sql`, `)})`)
}

/**
 * Sets a row aside for good, with the reason in `last_error` for people to read: it is done
 * with (processed) but was never applied. For a row no retry can help, such as one whose
 * payload is not the change its action names.
 */
export async function refuse(db: Db, id: number, reason: string): Promise<void> {
  await db
    .update(outbox)
    .set({ processedAt: sql`now()`, lockedUntil: null, lastError: reason.slice(0, 2000) })
    .where(eq(outbox.id, id))
}

/** Cancels a row nobody has started on yet; answers whether it did. */
export async function cancelUnstarted(tx: Executor, id: number): Promise<boolean> {
  const cancelled = await tx
    .update(outbox)
    .set({ processedAt: sql`now()` })
    .where(and(eq(outbox.id, id), isNull(outbox.processedAt), eq(outbox.attempts, 0)))
    .returning({ id: outbox.id })
  return cancelled.length > 0
}
