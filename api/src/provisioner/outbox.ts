import type { Clock } from '@fjord/time/clock'
import { type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'

export interface OutboxEntry {
  id: number
  orgId: string | null
  aggregateType: string
  aggregateId: string
  action: string
  payload: Record<string, unknown>
  attempts: number
}

/** How long a claim keeps other replicas off a row; a crashed replica's rows return after it. */
export const claimSeconds = 30
const maxBackoffMs = 15_000

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

export async function complete(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await db.execute(sql`
    update outbox set processed_at = now(), locked_until = null, last_error = null
     where id in (${sql.join(ids, sql`, `)})`)
}

/** Exponential backoff with full jitter, capped so a change waits at most ~15 s after an outage. */
export function backoffMs(attempts: number, random = Math.random): number {
  const ceiling = Math.min(maxBackoffMs, 250 * 2 ** Math.min(attempts, 16))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export async function retryLater(
  db: Db,
  ids: number[],
  attempts: number,
  error: string,
  delayMs = backoffMs(attempts),
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
