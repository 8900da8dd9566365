import { randomUUID } from 'node:crypto'
import { KubeClient } from '@fjord/kube/client'
import { readStackEnv } from '@fjord/stack/env'
import { stackDatabase } from '@fjord/testing/api'
import { FakeClock } from '@fjord/time/clock'
import { asc, eq, inArray, sql } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testConfig } from '../src/config.ts'
import { type Database, openDatabase } from '../src/db/client.ts'
import { auditEvents, outbox } from '../src/db/schema/index.ts'
import { claim, claimSeconds, complete, retryLater } from '../src/provisioner/outbox.ts'
import { Provisioner } from '../src/provisioner/provisioner.ts'
import { enqueue } from '../src/resources/changes.ts'

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

describe('the provisioner', () => {
  it('refuses a row whose payload is not the change its action names, keeps why, and never takes it again', async () => {
    await database.db.execute(sql`truncate outbox`)
    const rows = await database.db
      .insert(outbox)
      .values([
        {
          aggregateType: 'topic',
          aggregateId: 't1',
          action: 'topic.create',
          payload: { spec: 'six partitions' },
        },
        { aggregateType: 'topic', aggregateId: 't2', action: 'topic.explode', payload: {} },
        {
          aggregateType: 'api_key',
          aggregateId: 'k1',
          action: 'api_key.create',
          payload: { name: 'ci', role: 'viewer', prefix: 'fjk_1' },
        },
      ])
      .returning({ id: outbox.id })
    // Nothing it is given here reaches Kubernetes.
    const kube = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
    const provisioner = new Provisioner({ db: database.db, kube, log: pino({ level: 'silent' }) })
    try {
      expect(await provisioner.drainOnce()).toBe(3)
    } finally {
      kube.close()
    }
    const after = await database.db
      .select({ processedAt: outbox.processedAt, lastError: outbox.lastError })
      .from(outbox)
      .where(
        inArray(
          outbox.id,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(asc(outbox.id))
    expect(after).toEqual([
      {
        processedAt: expect.any(Date),
        lastError: expect.stringMatching(
          /^refused: the payload is not a topic\.create: .*expected object.*\n.*at payload\.spec$/s,
        ),
      },
      {
        processedAt: expect.any(Date),
        lastError: 'refused: topic.explode is no kind of change the api records',
      },
      // Refusing one row holds up none of the others.
      { processedAt: expect.any(Date), lastError: null },
    ])
    const anHourLater = new FakeClock(Date.now() + 3_600_000)
    expect(await claim(database.db, 10, anHourLater), 'claimed again').toEqual([])
  })
})

describe('enqueue', () => {
  it('records a change of ten thousand rows, more than one statement of PostgreSQL can carry', async () => {
    await database.db.execute(sql`truncate outbox`)
    const requestId = randomUUID()
    const ids = await database.db.transaction((tx) =>
      enqueue(
        tx,
        Array.from({ length: 10_000 }, (_, i) => ({
          orgId: null,
          actor: { type: 'platform' as const, id: 'test', label: 'test' },
          requestId,
          targetName: `t${i}`,
          aggregateId: `t${i}`,
          action: 'topic.delete' as const,
          payload: { spec: { partitions: 1, replicationFactor: 1, config: {} } },
        })),
      ),
    )
    expect(new Set(ids).size).toBe(10_000)
    const [audited] = await database.db
      .select({ count: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(eq(auditEvents.requestId, requestId))
    expect(audited?.count).toBe(10_000)
  })
})
