import { createdByFjord, labels } from '@fjord/contract/metadata'
import {
  kafkaName,
  kafkaPrincipal,
  passwordSecretName,
  sharedKafkaPrefix,
} from '@fjord/contract/naming'
import { createObject, getObject } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { Namespaces, Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { createTestNamespace, serviceAccountClient } from '@fjord/testing/kube'
import { aTenant, recordedChanges, withCluster } from '@fjord/testing/tenants'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

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
    const prefix = sharedKafkaPrefix(tenant.org, cluster)
    expect(first).toMatchObject({
      username: kafkaName(prefix, 'billing'),
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
      passwordSecretName({ name: cluster }, { name: 'billing' }),
      tenant.namespace,
    )
    expect(Buffer.from(secret?.data.password ?? '', 'base64').toString()).toBe(second.password)
    expect(secret?.metadata.labels).toMatchObject(createdByFjord(tenant.orgId))
    // In the org's namespace, labelled as the provisioner labels it.
    const namespace = await getObject(kube, Namespaces, tenant.namespace)
    expect(namespace?.metadata.labels).toMatchObject({
      [labels.orgId]: tenant.orgId,
      [labels.org]: tenant.org,
    })
    expect(second.connection).toMatchObject({
      username: second.username,
      password: second.password,
      saslMechanism: 'SCRAM-SHA-512',
      topicPrefix: prefix,
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
    expect(created.principal).toBe(
      kafkaPrincipal(kafkaName(sharedKafkaPrefix(tenant.org, cluster), 'orders-app')),
    )
  })

  it('leaves a Secret of that name that Fjord did not make as it is, and issues nothing', async () => {
    const tenant = await aTenant(api)
    const cluster = await withCluster(api, tenant)
    const accounts = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts`
    for (const name of ['first', 'second']) {
      await expectStatus(
        await api.request('PUT', `${accounts}/${name}`, { as: tenant.owner, body: {} }),
        201,
      )
    }
    // The first credential makes the org's namespace, where someone else then makes a Secret.
    await expectStatus(
      await api.request('POST', `${accounts}/first/credentials`, { as: tenant.owner }),
      201,
    )
    const foreign = await createObject(kube, Secrets, {
      metadata: {
        name: passwordSecretName({ name: cluster }, { name: 'second' }),
        namespace: tenant.namespace,
      },
      stringData: { password: 'not-fjords' },
    })
    const problem = await expectStatus(
      await api.request('POST', `${accounts}/second/credentials`, { as: tenant.owner }),
      409,
    )
    expect(problem.detail).toContain('was not created by Fjord')
    const after = await getObject(kube, Secrets, foreign.metadata.name, tenant.namespace)
    expect(after?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion)
    const listed = await expectStatus(
      await api.request('GET', `${accounts}/second/credentials`, { as: tenant.owner }),
      200,
    )
    expect(listed.items).toEqual([])
  })

  it('answers 502 kubernetes_refused, not "try again", when RBAC refuses the api, and issues nothing', async () => {
    const home = await createTestNamespace(kube, 'credentials-rbac')
    const powerless = await serviceAccountClient(kube, home.namespace, 'no-rights')
    const refused = await startTestApi({}, { kube: powerless })
    try {
      const tenant = await aTenant(refused)
      const cluster = await withCluster(refused, tenant)
      const account = `/v1/orgs/${tenant.org}/clusters/${cluster}/service-accounts/billing`
      await expectStatus(await refused.request('PUT', account, { as: tenant.owner, body: {} }), 201)
      const problem = await expectStatus(
        await refused.request('POST', `${account}/credentials`, { as: tenant.owner }),
        502,
      )
      expect(problem.code).toBe('kubernetes_refused')
      expect(problem.detail).toContain('forbidden')
      const listed = await expectStatus(
        await refused.request('GET', `${account}/credentials`, { as: tenant.owner }),
        200,
      )
      expect(listed.items).toEqual([])
    } finally {
      await refused.close()
      powerless.close()
      await home.remove()
    }
  })
})
