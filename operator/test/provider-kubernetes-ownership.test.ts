import { installCrds } from '@fjord/contract/install'
import { reasons } from '@fjord/contract/reasons'
import { KafkaClusters } from '@fjord/contract/resources'
import { apply, createObject, getObject } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { ConfigMaps, type ResourceType, Secrets, StatefulSets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { createTestNamespace } from '@fjord/testing/kube'
import pino from 'pino'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { kubernetesProvider } from '../src/providers/kubernetes.ts'
import type { Cluster } from '../src/providers/provider.ts'
import type { OperatorContext } from '../src/reconcilers/context.ts'

const client = KubeClient.fromFile(readStackEnv().kube.kubeconfig)
// The provider reads and writes through the client only; the rest of the context is unused.
const provider = kubernetesProvider({
  client,
  log: pino({ level: 'silent' }),
} as unknown as OperatorContext)
const removals: (() => Promise<void>)[] = []

beforeAll(() => installCrds(client))
afterAll(async () => {
  await Promise.all(removals.map((remove) => remove()))
  client.close()
})

/** A dedicated KafkaCluster `orders`, in a namespace where someone made `type/name` first. */
async function aClusterAfterSomeoneMade(type: ResourceType, name: string) {
  const { namespace, remove } = await createTestNamespace(client, 'provider-owner')
  removals.push(remove)
  const theirs = await createObject(client, type, {
    metadata: { name, namespace, labels: { team: 'payments' } },
    ...(type === StatefulSets ? { spec: aStatefulSetSpec } : { data: {} }),
  })
  const cluster = await apply<Cluster>(client, KafkaClusters, {
    metadata: { name: 'orders', namespace },
    spec: { type: 'dedicated', provider: 'kubernetes', dedicated: {} },
  })
  return { namespace, theirs, cluster }
}

const aStatefulSetSpec = {
  serviceName: 'payments',
  selector: { matchLabels: { app: 'payments' } },
  template: {
    metadata: { labels: { app: 'payments' } },
    spec: { containers: [{ name: 'payments', image: 'payments:1' }] },
  },
}

test.each([
  [ConfigMaps, 'orders-kafka-config'],
  [Secrets, 'orders-kafka-admin'],
  [StatefulSets, 'orders-broker'],
])(
  'refuses a %s of the name it needs that it did not create, and leaves it as it was',
  async (type, name) => {
    const { namespace, theirs, cluster } = await aClusterAfterSomeoneMade(type, name)
    const result = await provider.reconcile(cluster)
    expect(result.outcome).toMatchObject({
      phase: 'Failed',
      reason: reasons.NotCreatedByFjord,
      message: `${type.kind} ${namespace}/${name} exists and was not created by Fjord for this cluster; it is left as it is`,
    })
    const after = (await getObject(client, type, name, namespace)) as KubeObject
    expect(after.metadata.resourceVersion).toBe(theirs.metadata.resourceVersion)
    expect(after.metadata.ownerReferences).toBeUndefined()
  },
)
