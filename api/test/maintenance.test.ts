import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { aTenant } from '@fjord/testing/tenants'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sweepExpired } from '../src/db/maintenance.ts'
import { idempotencyKeys, memberships, sessions } from '../src/db/schema/index.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

const day = 24 * 60 * 60 * 1000

describe('sweepExpired', () => {
  it('forgets expired sessions and day-old idempotency keys, and keeps live ones', async () => {
    const tenant = await aTenant(api)
    const db = api.database.db
    const [owner] = await db.select().from(memberships).where(eq(memberships.orgId, tenant.orgId))
    const userId = owner?.userId ?? ''
    const stale = { session: uniqueName('expired'), key: uniqueName('old') }
    await db
      .insert(sessions)
      .values({ id: stale.session, userId, csrfToken: 'x', expiresAt: new Date(Date.now() - 1000) })
    const principalId = `user:${userId}`
    await db.insert(idempotencyKeys).values({
      principalId,
      key: stale.key,
      requestHash: 'h',
      lockedUntil: new Date(),
      createdAt: new Date(Date.now() - 2 * day),
    })
    await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/quotas/check`, {
        as: tenant.owner,
        body: {},
        headers: { 'idempotency-key': 'fresh' },
      }),
      200,
    )
    await sweepExpired(db)
    const keys = await db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.principalId, principalId))
    expect(keys.map((row) => row.key)).toEqual(['fresh'])
    const left = await db.select().from(sessions).where(eq(sessions.userId, userId))
    expect(left.map((row) => row.id)).not.toContain(stale.session)
    await expectStatus(await api.request('GET', '/v1/me', { as: tenant.owner }), 200)
  })
})
