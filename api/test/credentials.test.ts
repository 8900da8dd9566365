import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectStatus, startTestApi, type TestApi } from './support/api.ts'
import { aTenant, recordedChanges, withCluster } from './support/builders.ts'

let api: TestApi

beforeAll(async () => {
  api = await startTestApi()
})
afterAll(() => api.close())

describe('service account credentials', () => {
  it('shows the password once and keeps only metadata, a new one replacing the old', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const account = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/billing`
    await expectStatus(
      await api.request('PUT', account, {
        as: tenant.owner,
        body: {
          acls: [
            {
              resourceType: 'topic',
              patternType: 'prefixed',
              name: 'invoices',
              operations: ['read', 'write'],
            },
          ],
        },
      }),
      201,
    )
    const first = await expectStatus(
      await api.request('POST', `${account}/credentials`, { as: tenant.owner }),
      201,
    )
    expect(first).toMatchObject({
      username: `${tenant.org}-${cluster}.billing`,
      mechanism: 'SCRAM-SHA-512',
    })
    expect(String(first.password).length).toBeGreaterThanOrEqual(32)
    const second = await expectStatus(
      await api.request('POST', `${account}/credentials`, { as: tenant.owner }),
      201,
    )
    const listed = await expectStatus(
      await api.request('GET', `${account}/credentials`, { as: tenant.owner }),
      200,
    )
    expect(listed.items).toEqual([
      {
        id: second.id,
        username: second.username,
        mechanism: 'SCRAM-SHA-512',
        createdAt: second.createdAt,
      },
    ])
    const { audit, outbox } = await recordedChanges(api, tenant)
    const everything = JSON.stringify({ audit, outbox })
    expect(everything).not.toContain(String(first.password))
    expect(everything).not.toContain(String(second.password))
    expect(JSON.stringify(audit)).not.toContain('saltedPassword')
  })

  it('gives a shared cluster principal the cluster prefix', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const created = await expectStatus(
      await api.request('POST', `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts`, {
        as: tenant.owner,
        body: { name: 'orders-app' },
      }),
      201,
    )
    expect(created.principal).toBe(`User:${tenant.org}-${cluster}.orders-app`)
  })
})
