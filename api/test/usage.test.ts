import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { aTenant, type Tenant, withCluster } from '@fjord/testing/tenants'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusters, usageRollups, usageSamples } from '../src/db/schema/index.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

async function aClusterId(tenant: Tenant) {
  const name = await withCluster(api, tenant)
  const [row] = await api.database.db.select().from(clusters).where(eq(clusters.name, name))
  return { name, id: row?.id ?? '' }
}

const anHourlyRollup = (
  tenant: Tenant,
  clusterId: string,
  bucketStart: string,
  bytesIn: number,
) => ({
  orgId: tenant.orgId,
  clusterId,
  granularity: 'hour',
  bucketStart: new Date(bucketStart),
  partitions: 3,
  storageBytes: 1000,
  messagesIn: 10,
  bytesIn,
  bytesOut: 2 * bytesIn,
})

describe('usage', () => {
  it('answers hourly rollups within the range, oldest first', async () => {
    const tenant = await aTenant(api)
    const cluster = await aClusterId(tenant)
    await api.database.db
      .insert(usageRollups)
      .values([
        anHourlyRollup(tenant, cluster.id, '2026-03-01T01:00:00Z', 200),
        anHourlyRollup(tenant, cluster.id, '2026-03-01T00:00:00Z', 100),
        anHourlyRollup(tenant, cluster.id, '2026-03-02T00:00:00Z', 999),
      ])
    const usage = await expectStatus(
      await api.request(
        'GET',
        `/v1/orgs/${tenant.org}/usage?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&granularity=hour`,
        {
          as: tenant.owner,
        },
      ),
      200,
    )
    expect(usage.points).toEqual([
      {
        time: '2026-03-01T00:00:00.000Z',
        partitions: 3,
        storageBytes: 1000,
        messagesIn: 10,
        bytesIn: 100,
        bytesOut: 200,
      },
      {
        time: '2026-03-01T01:00:00.000Z',
        partitions: 3,
        storageBytes: 1000,
        messagesIn: 10,
        bytesIn: 200,
        bytesOut: 400,
      },
    ])
  })

  it('answers raw samples of one cluster and reports its latest storage as quota use', async () => {
    const tenant = await aTenant(api)
    const cluster = await aClusterId(tenant)
    await api.database.db.insert(usageSamples).values(
      [10, 20].map((minute, index) => ({
        orgId: tenant.orgId,
        clusterId: cluster.id,
        sampledAt: new Date(`2026-03-01T00:${minute}:00Z`),
        storageBytes: 500 * (index + 1),
      })),
    )
    const usage = await expectStatus(
      await api.request(
        'GET',
        `/v1/orgs/${tenant.org}/usage?from=2026-03-01T00:00:00Z&to=2026-03-01T01:00:00Z&granularity=raw&cluster=${cluster.name}`,
        {
          as: tenant.owner,
        },
      ),
      200,
    )
    expect((usage.points as { storageBytes: number }[]).map((point) => point.storageBytes)).toEqual(
      [500, 1000],
    )
    const quotas = await expectStatus(
      await api.request('GET', `/v1/orgs/${tenant.org}/quotas`, { as: tenant.owner }),
      200,
    )
    expect(quotas.use).toMatchObject({ storageBytes: 1000 })
  })

  it('refuses a range that ends before it starts, or spans too much for the granularity', async () => {
    const tenant = await aTenant(api)
    const ask = (query: string) =>
      api.request('GET', `/v1/orgs/${tenant.org}/usage?${query}`, { as: tenant.owner })
    await expectStatus(await ask('from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z'), 422)
    await expectStatus(
      await ask('from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&granularity=hour'),
      422,
    )
  })
})
