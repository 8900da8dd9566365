import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getObject } from '../../operator/src/kube/apply.ts'
import { KubeClient, type KubeObject } from '../../operator/src/kube/client.ts'
import { Namespaces, Secrets } from '../../operator/src/kube/resources.ts'
import { readStackEnv } from '../../stack/src/env.ts'
import { expectStatus, startTestApi, type TestApi } from './support/api.ts'
import { aTenant, recordedChanges, withCluster } from './support/builders.ts'

let api: TestApi
const kube = KubeClient.fromFile(readStackEnv().kube.kubeconfig)

beforeAll(async () => {
  api = await startTestApi({}, { kube })
})
afterAll(async () => {
  await api.close()
  kube.close()
})

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
    // The password is kept only in the service account's Secret, where the operator reads it.
    const secret = await getObject<KubeObject & { data: { password: string } }>(
      kube,
      Secrets,
      `${cluster}.billing.password`,
      tenant.org,
    )
    expect(Buffer.from(secret?.data.password ?? '', 'base64').toString()).toBe(second.password)
    // In the org's namespace, labelled as the provisioner labels it.
    const namespace = await getObject(kube, Namespaces, tenant.org)
    expect(namespace?.metadata.labels).toMatchObject({ 'fjord.dev/org-id': tenant.orgId })
    expect(second.connection).toMatchObject({
      username: second.username,
      password: second.password,
      saslMechanism: 'SCRAM-SHA-512',
      topicPrefix: `${tenant.org}-${cluster}.`,
    })
    const { audit, outbox } = await recordedChanges(api, tenant)
    const everything = JSON.stringify({ audit, outbox })
    expect(everything).not.toContain(String(first.password))
    expect(everything).not.toContain(String(second.password))
    expect(everything).not.toContain('saltedPassword')
  })

  it('answers 503 and issues nothing when the api has no Kubernetes to keep the password in', async () => {
    const alone = await startTestApi()
    try {
      const tenant = await aTenant(alone)
      const cluster = await withCluster(alone, tenant)
      const account = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/billing`
      await expectStatus(await alone.request('PUT', account, { as: tenant.owner, body: {} }), 201)
      const problem = await expectStatus(
        await alone.request('POST', `${account}/credentials`, { as: tenant.owner }),
        503,
      )
      expect(problem.code).toBe('unavailable')
      const listed = await expectStatus(
        await alone.request('GET', `${account}/credentials`, { as: tenant.owner }),
        200,
      )
      expect(listed.items).toEqual([])
    } finally {
      await alone.close()
    }
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
