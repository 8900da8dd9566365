import { labels, managedBy } from '@fjord/contract/metadata'
import { poolAdminSecretName } from '@fjord/contract/naming'
import { KafkaPools } from '@fjord/contract/resources'
import { createObject, deleteObject, getObject } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { type Caller, expectStatus, startTestApi, type TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const kube = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
const platformAdmin: Caller = { kind: 'api_key', token: 'platform-token-of-the-pool-tests' }
const systemNamespace = 'fjord-system'
let api: TestApi
const pools: string[] = []

beforeAll(async () => {
  api = await startTestApi({ platformToken: platformAdmin.token, systemNamespace }, { kube })
})
afterAll(async () => {
  for (const name of pools) {
    await deleteObject(kube, KafkaPools, name, undefined)
    await deleteObject(kube, Secrets, poolAdminSecretName(name), systemNamespace)
  }
  await api.close()
  kube.close()
})

const aPoolSpec = (maxPartitions: number) => ({
  bootstrapServers: ['kafka.example:9092'],
  saslMechanism: 'SCRAM-SHA-256',
  admin: { username: 'admin', password: 'secret' },
  maxPartitions,
})

function aPoolName(): string {
  const name = uniqueName('pool')
  pools.push(name)
  return name
}

describe('registering a pool', () => {
  it('makes the pool and its admin Secret labelled as Fjord’s, and updates them on the next PUT', async () => {
    const name = aPoolName()
    const path = `/admin/v1/pools/${name}`
    await expectStatus(
      await api.request('PUT', path, { as: platformAdmin, body: aPoolSpec(10) }),
      200,
    )
    const again = await expectStatus(
      await api.request('PUT', path, { as: platformAdmin, body: aPoolSpec(20) }),
      200,
    )
    expect(again.maxPartitions).toBe(20)
    const owned = { [labels.managedBy]: managedBy, [labels.pool]: name }
    const pool = await getObject(kube, KafkaPools, name)
    expect(pool?.metadata.labels).toMatchObject(owned)
    expect(pool?.spec.capacity).toEqual({ maxPartitions: 20 })
    const secret = await getObject(kube, Secrets, poolAdminSecretName(name), systemNamespace)
    expect(secret?.metadata.labels).toMatchObject(owned)
  })

  it('leaves a KafkaPool of that name that Fjord did not make as it is, writing no Secret', async () => {
    const name = aPoolName()
    const theirs = await createObject(
      kube,
      KafkaPools,
      {
        metadata: { name },
        spec: {
          bootstrapServers: ['theirs.example:9092'],
          adminCredentialsSecretRef: { name: 'theirs', namespace: systemNamespace },
          capacity: { maxPartitions: 5 },
        },
      },
      { fieldManager: 'kubectl-create' },
    )
    const problem = await expectStatus(
      await api.request('PUT', `/admin/v1/pools/${name}`, {
        as: platformAdmin,
        body: aPoolSpec(10),
      }),
      409,
    )
    expect(problem.detail).toContain(`KafkaPool ${name} exists and was not created by Fjord`)
    const after = await getObject(kube, KafkaPools, name)
    expect(after?.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion)
    expect(
      await getObject(kube, Secrets, poolAdminSecretName(name), systemNamespace),
    ).toBeUndefined()
  })
})
