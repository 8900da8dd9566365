import { FakeClock } from '@fjord/time/clock'
import { inArray, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../src/config.ts'
import { type Database, openDatabase } from '../src/db/client.ts'
import { outbox } from '../src/db/schema/index.ts'
import { claim, claimSeconds, complete, retryLater } from '../src/provisioner/outbox.ts'
import { stackDatabase } from './support/api.ts'

// Replicas claim side by side on real PostgreSQL, in a database of this file's own, so the
// outbox holds exactly what the test puts in it.
let database: Database
beforeAll(async () => {
  database = openDatabase(testConfig({ databaseUrl: await stackDatabase('fjord_outbox_test') }))
  await database.migrate()
})
afterAll(() => database.close())

async function freshOutbox(rows: number): Promise<number[]> {
  await database.db.execute(sql`truncate outbox`)
  const inserted = await database.db
    .insert(outbox)
    .values(
      Array.from({ length: rows }, (_, i) => ({
        aggregateType: 'topic',
        aggregateId: `t${i}`,
        action: 'topic.create',
        payload: {},
      })),
    )
    .returning({ id: outbox.id })
  return inserted.map((row) => row.id)
}

describe('the outbox claims', () => {
  it('never hand one row to two replicas claiming at the same time', async () => {
    const ids = await freshOutbox(200)
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim(database.db, 40)))
    const claimed = claims.flat().map((entry) => entry.id)
    expect(new Set(claimed).size).toBe(claimed.length)
    expect(claimed.sort((a, b) => a - b)).toEqual(ids)
    // Claimed rows stay with their claimant until its lease runs out.
    expect(await claim(database.db, 40)).toEqual([])
  })

  it('hand a row back after a failure at the end of its backoff, not a millisecond before, and never after it is done', async () => {
    const [first, second] = await freshOutbox(2)
    // Well after the rows were written by the database's clock, which stamped them.
    const clock = new FakeClock(Date.now() + 60_000)
    const claimed = await claim(database.db, 10, clock)
    expect(claimed.map((entry) => [entry.id, entry.attempts])).toEqual([
      [first, 1],
      [second, 1],
    ])
    await complete(database.db, [first as number])
    await retryLater(database.db, [second as number], 1, 'kube-apiserver unreachable', 300, clock)
    clock.step(299)
    expect(await claim(database.db, 10, clock), '1 ms before the backoff is over').toEqual([])
    clock.step(1)
    const again = await claim(database.db, 10, clock)
    expect(again.map((entry) => [entry.id, entry.attempts])).toEqual([[second, 2]])
    const [row] = await database.db
      .select()
      .from(outbox)
      .where(inArray(outbox.id, [second as number]))
    expect(row?.lastError).toBe('kube-apiserver unreachable')
  })

  it('give a claimed row to another replica once the claim has run out, as when its claimant crashed', async () => {
    const [id] = await freshOutbox(1)
    const clock = new FakeClock(Date.now() + 60_000)
    expect((await claim(database.db, 10, clock)).map((entry) => entry.id)).toEqual([id])
    clock.step(claimSeconds * 1000)
    expect(await claim(database.db, 10, clock), 'as the claim runs out').toEqual([])
    clock.step(1)
    const taken = await claim(database.db, 10, clock)
    expect(taken.map((entry) => [entry.id, entry.attempts])).toEqual([[id, 2]])
  })
})
