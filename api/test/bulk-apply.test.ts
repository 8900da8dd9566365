import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import {
  aTenant,
  aTopic,
  recordedChanges,
  type Tenant,
  withCluster,
  withRoomyQuota,
} from '@fjord/testing/tenants'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topics } from '../src/db/schema/index.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

async function aClusterWithTopics(names: string[]) {
  const tenant = await aTenant(api)
  await withRoomyQuota(api, tenant)
  const cluster = await withCluster(api, tenant)
  const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
  await expectStatus(
    await api.request('PUT', path, {
      as: tenant.owner,
      body: { topics: names.map((name) => aTopic({ name })) },
    }),
    200,
  )
  return { tenant, path }
}

const apply = (tenant: Tenant, path: string, topics: unknown[], query = '') =>
  api.request('PUT', `${path}${query}`, { as: tenant.owner, body: { topics } })

describe('bulk apply of a cluster topic list', () => {
  it('answers the plan on a dry run and writes nothing', async () => {
    const { tenant, path } = await aClusterWithTopics(['keep', 'grow', 'legacy'])
    const before = await recordedChanges(api, tenant)
    const desired = [
      aTopic({ name: 'keep' }),
      aTopic({ name: 'grow', partitions: 4 }),
      aTopic({ name: 'fresh' }),
    ]
    const plan = await expectStatus(
      await apply(tenant, path, desired, '?prune=true&dryRun=true'),
      200,
    )
    expect(plan).toMatchObject({
      dryRun: true,
      prune: true,
      summary: { create: 1, update: 1, delete: 1, unchanged: 1 },
      plan: [
        { name: 'fresh', action: 'create' },
        { name: 'grow', action: 'update', changes: [{ field: 'partitions', from: 1, to: 4 }] },
        { name: 'keep', action: 'unchanged', changes: [] },
        { name: 'legacy', action: 'delete' },
      ],
    })
    expect((await recordedChanges(api, tenant)).audit).toHaveLength(before.audit.length)
    const list = await expectStatus(await api.request('GET', path, { as: tenant.owner }), 200)
    expect((list.items as { name: string }[]).map((topic) => topic.name)).toEqual([
      'grow',
      'keep',
      'legacy',
    ])
  })

  it('applies the plan in one go, one audit event per changed topic', async () => {
    const { tenant, path } = await aClusterWithTopics(['keep', 'grow', 'legacy'])
    const before = await recordedChanges(api, tenant)
    const desired = [
      aTopic({ name: 'keep' }),
      aTopic({ name: 'grow', partitions: 4 }),
      aTopic({ name: 'fresh' }),
    ]
    await expectStatus(await apply(tenant, path, desired, '?prune=true'), 200)
    const after = await recordedChanges(api, tenant)
    const added = after.audit
      .slice(before.audit.length)
      .map((event) => `${event.action} ${event.targetName}`)
    expect(added.sort()).toEqual(['topic.create fresh', 'topic.delete legacy', 'topic.update grow'])
    expect(after.outbox.length - before.outbox.length).toBe(3)
    const list = await expectStatus(await api.request('GET', path, { as: tenant.owner }), 200)
    const phases = Object.fromEntries(
      (list.items as { name: string; partitions: number; status: { phase: string } }[]).map(
        (topic) => [topic.name, `${topic.partitions} ${topic.status.phase}`],
      ),
    )
    expect(phases).toEqual({
      fresh: '1 Pending',
      grow: '4 Pending',
      keep: '1 Pending',
      legacy: '1 Deleting',
    })
  })

  it('keeps topics missing from the list unless pruning', async () => {
    const { tenant, path } = await aClusterWithTopics(['keep', 'legacy'])
    const plan = await expectStatus(await apply(tenant, path, [aTopic({ name: 'keep' })]), 200)
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 1 })
  })

  it('refuses the whole list when one topic is invalid, naming it, and writes nothing', async () => {
    const { tenant, path } = await aClusterWithTopics(['keep'])
    const before = await recordedChanges(api, tenant)
    const desired = [
      aTopic({ name: 'fine' }),
      aTopic({ name: 'broken', config: { 'cleanup.policy': 'archive' } }),
      aTopic({ name: 'fine' }),
    ]
    const problem = await expectStatus(await apply(tenant, path, desired), 422)
    expect(problem.errors).toEqual([
      { path: 'topics.1.config.cleanup.policy', message: expect.any(String) },
      { path: 'topics.2.name', message: 'fine is listed twice' },
    ])
    expect((await recordedChanges(api, tenant)).audit).toHaveLength(before.audit.length)
  })

  it("refuses a list whose names collide, once '.' and '_' are one, naming both, and writes nothing", async () => {
    const { tenant, path } = await aClusterWithTopics(['orders.eu'])
    const before = await recordedChanges(api, tenant)
    const withExisting = await expectStatus(
      await apply(tenant, path, [aTopic({ name: 'fine' }), aTopic({ name: 'orders_eu' })]),
      409,
    )
    expect(withExisting.detail).toBe(
      "Topic orders_eu would collide with topic orders.eu ('.' and '_' are one in Kafka metrics)",
    )
    const withinList = await expectStatus(
      await apply(tenant, path, [aTopic({ name: 'a.b' }), aTopic({ name: 'a_b' })]),
      409,
    )
    expect(withinList.detail).toBe(
      "Topic a_b would collide with topic a.b ('.' and '_' are one in Kafka metrics)",
    )
    expect((await recordedChanges(api, tenant)).audit).toHaveLength(before.audit.length)
    const list = await expectStatus(await api.request('GET', path, { as: tenant.owner }), 200)
    expect((list.items as { name: string }[]).map((topic) => topic.name)).toEqual(['orders.eu'])
  })

  it('applies more topics than one statement inserts, and prunes them all', async () => {
    const { tenant, path } = await aClusterWithTopics([])
    const before = await recordedChanges(api, tenant)
    const names = Array.from({ length: 1_500 }, (_, i) => `t${String(i).padStart(4, '0')}`)
    const created = await expectStatus(
      await apply(
        tenant,
        path,
        names.map((name) => aTopic({ name })),
      ),
      200,
    )
    expect(created.summary).toMatchObject({ create: 1_500 })
    const phases = async () =>
      (
        await api.database.db
          .select({ name: topics.name, phase: topics.phase })
          .from(topics)
          .where(eq(topics.orgId, tenant.orgId))
          .orderBy(topics.name)
      ).map((row) => `${row.name} ${row.phase}`)
    expect(await phases()).toEqual(names.map((name) => `${name} Pending`))

    const pruned = await expectStatus(await apply(tenant, path, [], '?prune=true'), 200)
    expect(pruned.summary).toMatchObject({ delete: 1_500 })
    expect(await phases()).toEqual(names.map((name) => `${name} Deleting`))
    const after = await recordedChanges(api, tenant)
    expect(after.outbox.length - before.outbox.length).toBe(3_000)
  })

  it('refuses a list that does not fit the quota before writing any topic', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const path = `/v1/orgs/${tenant.org}/clusters/${cluster}/topics`
    const desired = Array.from({ length: 11 }, () => aTopic())
    const problem = await expectStatus(await apply(tenant, path, desired), 422)
    expect(problem).toMatchObject({
      code: 'quota_exceeded',
      limit: 'topics',
      current: 0,
      maximum: 10,
      requested: 11,
    })
    const list = await expectStatus(await api.request('GET', path, { as: tenant.owner }), 200)
    expect(list.items).toEqual([])
  })
})
