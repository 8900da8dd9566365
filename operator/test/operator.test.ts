import { annotations, finalizer, labels } from '@fjord/contract/metadata'
import { sharedKafkaPrefix } from '@fjord/contract/naming'
import { readyCondition, reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics } from '@fjord/contract/resources'
import type { KafkaCluster, KafkaTopic } from '@fjord/contract/types'
import { apply, deleteObject } from '@fjord/kube/apply'
import type { KubeObject } from '@fjord/kube/client'
import {
  controllerReference,
  Namespaces,
  objectPath,
  Secrets,
  StatefulSets,
} from '@fjord/kube/resources'
import { kcat } from '@fjord/testing/kcat'
import { uniqueName } from '@fjord/testing/names'
import { anOperatorWorld, stackKafka, types, untilPhase } from '@fjord/testing/operator'
import { aPool, aSharedCluster, aTopic, aUser } from '@fjord/testing/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type TopicSeen, topicSeen } from '../src/kafka/diagnostics.ts'

let world: Awaited<ReturnType<typeof anOperatorWorld>>
const kafka = stackKafka()
let cluster: KafkaCluster
let prefix: string

beforeAll(async () => {
  world = await anOperatorWorld()
  cluster = await world.create(aSharedCluster(world.pool.metadata.name))
  const ready = await untilPhase(world.get, cluster, 'Ready')
  prefix = ready.status?.kafkaPrefix ?? ''
})
afterAll(async () => {
  await world.stop()
  await kafka.close()
})

describe('the operator on a shared cluster', () => {
  test('gives the cluster its prefix and the pool bootstrap servers', async () => {
    const ready = await world.get(cluster)
    expect(ready.status).toMatchObject({
      kafkaPrefix: sharedKafkaPrefix(world.namespace, cluster.metadata.name),
      bootstrapServers: world.pool.spec.bootstrapServers.join(','),
      observedGeneration: ready.metadata.generation,
    })
    expect(ready.metadata.finalizers).toContain(finalizer)
  })

  test('creates, alters, grows and deletes a topic in Kafka, and refuses a partition decrease', async () => {
    const topic = await world.create(
      aTopic(cluster.metadata.name, { partitions: 3, config: { 'retention.ms': '3600000' } }),
    )
    const created = await untilPhase(world.get, topic, 'Ready')
    const kafkaName = `${prefix}${topic.metadata.name}`
    expect(created.status).toMatchObject({
      topicName: kafkaName,
      partitions: 3,
      observedGeneration: 1,
    })
    const inKafka = await kafka.describeTopic(kafkaName)
    expect(inKafka?.partitions).toBe(3)
    expect(created.metadata.annotations?.[annotations.kafkaTopicId]).toBe(inKafka?.topicId)
    expect(inKafka?.config).toContainEqual({
      name: 'retention.ms',
      value: '3600000',
      dynamic: true,
    })

    await world.create({
      ...topic,
      spec: { ...topic.spec, partitions: 5, config: { 'cleanup.policy': 'compact' } },
    })
    await untilPhase(world.get, topic, 'Ready', { generation: 2 })
    const altered = await kafka.describeTopic(kafkaName)
    expect(altered?.partitions).toBe(5)
    expect(altered?.config).toContainEqual({
      name: 'cleanup.policy',
      value: 'compact',
      dynamic: true,
    })
    expect(altered?.config.find((c) => c.name === 'retention.ms')?.dynamic).toBe(false)

    await world.create({ ...topic, spec: { ...topic.spec, partitions: 2 } })
    const refused = await untilPhase(world.get, topic, 'Failed')
    expect(refused.status?.conditions).toContainEqual(
      expect.objectContaining({
        type: readyCondition,
        status: 'False',
        reason: reasons.PartitionDecreaseRefused,
        observedGeneration: 3,
      }),
    )
    expect((await kafka.describeTopic(kafkaName))?.partitions).toBe(5)

    await world.client.request('DELETE', objectUrl('KafkaTopic', topic.metadata.name))
    await expect.poll(() => kafka.describeTopic(kafkaName), { timeout: 20_000 }).toBeUndefined()
  })

  test('reconciles a topic made with its finalizer and owner once per change, never for the record it writes', async () => {
    const name = uniqueName('once')
    const passes: unknown[] = []
    const count = (message: unknown) => {
      if ((message as TopicSeen).key === `${world.namespace}/${name}`) passes.push(message)
    }
    topicSeen.subscribe(count)
    try {
      // As Fjord's api makes it: nothing for the operator to add before it creates the topic.
      const { metadata, spec } = aTopic(cluster.metadata.name, { partitions: 1 }, name)
      const topic = await apply<KafkaTopic & KubeObject>(
        world.client,
        KafkaTopics,
        {
          metadata: {
            ...metadata,
            namespace: world.namespace,
            labels: world.labels,
            finalizers: [finalizer],
            ownerReferences: [controllerReference(KafkaClusters, await world.get(cluster))],
          },
          spec,
        },
        { fieldManager: 'fjord-test' },
      )
      await untilPhase(world.get, topic, 'Ready')
      // The pass a change makes comes after any the record's update would have queued.
      await world.client.request('PATCH', objectUrl('KafkaTopic', name), {
        body: { spec: { partitions: 2 } },
        contentType: PatchStrategy.MergePatch,
      })
      await untilPhase(world.get, topic, 'Ready', { generation: 2 })
      expect(passes).toHaveLength(2)
    } finally {
      topicSeen.unsubscribe(count)
    }
    await world.client.request('DELETE', objectUrl('KafkaTopic', name))
    await expect.poll(() => kafka.describeTopic(`${prefix}${name}`)).toBeUndefined()
  })

  test('reports a topic made outside Fjord and leaves it alone, even when the resource goes', async () => {
    const name = uniqueName('outside')
    // Created just before the KafkaTopic: the operator's describe may or may not see it yet,
    // and either way it must not become Fjord's.
    const made = await kafka.createTopics([
      { name: `${prefix}${name}`, partitions: 1, replicationFactor: 1, config: {} },
    ])
    const theirs = made.get(`${prefix}${name}`)
    if (!theirs?.ok) throw new Error(`creating the topic outside Fjord failed: ${theirs?.error}`)
    const topic = await world.create(aTopic(cluster.metadata.name, { partitions: 1 }, name))
    const failed = await untilPhase(world.get, topic, 'Failed')
    expect(failed.status?.conditions?.[0]?.reason).toBe(reasons.TopicExistsOutsideFjord)
    expect(failed.metadata.annotations?.[annotations.kafkaTopicId]).toBeUndefined()
    await world.client.request('DELETE', objectUrl('KafkaTopic', name))
    await expect
      .poll(
        () =>
          world.get(topic).then(
            () => 'present',
            () => 'gone',
          ),
        { timeout: 20_000 },
      )
      .toBe('gone')
    expect((await kafka.describeTopic(`${prefix}${name}`))?.topicId).toBe(theirs.topicId)
  })

  test('gives a user a SCRAM login, its ACLs under the prefix and its quotas, and takes them away', async () => {
    const topic = await world.create(
      aTopic(cluster.metadata.name, { partitions: 1 }, uniqueName('orders')),
    )
    await untilPhase(world.get, topic, 'Ready')
    const kafkaTopic = `${prefix}${topic.metadata.name}`
    const secret = uniqueName('password')
    const userName = uniqueName('user')
    const passwordSecret = (password: string) => ({
      metadata: {
        name: secret,
        namespace: world.namespace,
        labels: { [labels.kafkaUser]: userName },
      },
      stringData: { password },
    })
    await apply(world.client, Secrets, passwordSecret('first-password'))
    const user = await world.create(
      aUser(
        cluster.metadata.name,
        secret,
        {
          acls: [
            { resource: { type: 'topic', name: '*' }, operations: ['Read', 'Write', 'Describe'] },
          ],
          quotas: { producerByteRate: 1048576, consumerByteRate: 2097152 },
        },
        userName,
      ),
    )
    const ready = await untilPhase(world.get, user, 'Ready')
    const username = ready.status?.username ?? ''
    expect(username).toBe(`${prefix}${user.metadata.name}`)
    // The broker answers DescribeClientQuotas from its metadata image, which trails the
    // controller's commit by a moment.
    await expect
      .poll(() => kafka.quotasOf(username), { timeout: 5_000 })
      .toEqual({ producer_byte_rate: 1048576, consumer_byte_rate: 2097152 })

    const me = { username, password: 'first-password' }
    const produced = await kcat(me, ['-P', '-t', kafkaTopic], 'hello\n')
    expect(produced.stderr).toBe('')
    const consumed = await kcat(me, [
      '-C',
      '-t',
      kafkaTopic,
      '-o',
      'beginning',
      '-e',
      '-c',
      '1',
      '-q',
    ])
    expect(consumed.stdout.trim()).toBe('hello')

    // Rotation: a new password in the Secret replaces the old one in Kafka, nothing else needed.
    await apply(world.client, Secrets, passwordSecret('second-password'))
    const rotated = { username, password: 'second-password' }
    const canLogIn = async () => (await kcat(rotated, ['-L', '-t', kafkaTopic, '-m', '5'])).code
    await expect.poll(canLogIn, { timeout: 20_000 }).toBe(0)
    expect((await kcat(me, ['-L', '-m', '5'])).stderr).toMatch(/[Aa]uthentication failed/)

    // Revocation: without its Secret the principal keeps its ACLs but has no login.
    await world.client.request('DELETE', objectPath(Secrets, secret, world.namespace))
    await expect.poll(canLogIn, { timeout: 20_000 }).not.toBe(0)
    const revoked = await world.get(user)
    expect(revoked.status?.phase).toBe('Ready')
    expect(revoked.status?.conditions?.[0]?.reason).toBe(reasons.NoPassword)
    expect(await kafka.aclsOf(`User:${username}`)).not.toEqual([])
    await apply(world.client, Secrets, passwordSecret('second-password'))
    await expect.poll(canLogIn, { timeout: 20_000 }).toBe(0)

    await world.client.request('DELETE', objectUrl('KafkaUser', user.metadata.name))
    await expect
      .poll(async () => (await kcat(rotated, ['-L', '-m', '5'])).stderr, { timeout: 20_000 })
      .toMatch(/[Aa]uthentication failed/)
    expect(await kafka.aclsOf(`User:${username}`)).toEqual([])
    await expect.poll(() => kafka.quotasOf(username), { timeout: 5_000 }).toEqual({})
  })

  test("takes the prefix its spec names, as Fjord's api sets it from the org's name", async () => {
    const kafkaPrefix = `${uniqueName('acme')}-main.`
    const named = await world.create(
      aSharedCluster(world.pool.metadata.name, uniqueName('main'), { kafkaPrefix }),
    )
    expect((await untilPhase(world.get, named, 'Ready')).status?.kafkaPrefix).toBe(kafkaPrefix)
  })

  test('refuses a cluster whose prefix another cluster on the pool already holds', async () => {
    // Namespace <ns> with cluster <x>-c and namespace <ns>-<x> with cluster c: one prefix.
    const x = uniqueName('x')
    const otherNamespace = `${world.namespace}-${x}`
    await apply(world.client, Namespaces, { metadata: { name: otherNamespace } })
    const holder = await world.create(aSharedCluster(world.pool.metadata.name, `${x}-c`))
    const held = await untilPhase(world.get, holder, 'Ready')
    const late = aSharedCluster(world.pool.metadata.name, 'c')
    late.metadata.namespace = otherNamespace
    const refused = await untilPhase(world.get, await world.create(late), 'Failed')
    expect(refused.status?.conditions?.[0]).toMatchObject({
      reason: reasons.PrefixTaken,
      message: expect.stringContaining(held.status?.kafkaPrefix ?? '?'),
    })
    expect(refused.status?.kafkaPrefix).toBeUndefined()
  })

  test('makes a cluster applied before its pool Ready as soon as the pool is, not at its next retry', async () => {
    const pool = aPool({ ...world.pool.spec })
    const early = await world.create(aSharedCluster(pool.metadata.name))
    const missing = await untilPhase(world.get, early, 'Failed')
    expect(missing.status?.conditions?.[0]?.reason).toBe(reasons.PoolNotFound)
    await world.create(pool)
    // A cluster that found no pool is retried after 30 s; the pool's arrival wakes it sooner.
    await untilPhase(world.get, early, 'Ready', { timeout: 15_000 })
    await deleteObject(world.client, KafkaClusters, early.metadata.name, world.namespace)
  })

  test('keeps a principal of one shared cluster out of another cluster on the same pool', async () => {
    const other = await world.create(aSharedCluster(world.pool.metadata.name))
    const otherReady = await untilPhase(world.get, other, 'Ready')
    const theirs = await world.create(
      aTopic(other.metadata.name, { partitions: 1 }, uniqueName('secret')),
    )
    await untilPhase(world.get, theirs, 'Ready')
    const theirTopic = `${otherReady.status?.kafkaPrefix}${theirs.metadata.name}`

    const secret = uniqueName('password')
    await apply(world.client, Secrets, {
      metadata: { name: secret, namespace: world.namespace },
      stringData: { password: 'mine' },
    })
    const user = await world.create(
      aUser(cluster.metadata.name, secret, {
        acls: [
          { resource: { type: 'topic', name: '*' }, operations: ['All'] },
          { resource: { type: 'group', name: '*' }, operations: ['All'] },
        ],
      }),
    )
    const me = {
      username: (await untilPhase(world.get, user, 'Ready')).status?.username ?? '',
      password: 'mine',
    }
    const write = await kcat(me, ['-P', '-t', theirTopic], 'intrusion\n')
    expect(write.stderr).toMatch(/[Aa]uthoriz/)
    const read = await kcat(me, ['-C', '-t', theirTopic, '-o', 'beginning', '-e', '-q', '-m', '5'])
    expect(read.stderr).toMatch(/[Aa]uthoriz/)
  })

  test('refuses cluster-wide ACLs for a user of a shared cluster', async () => {
    const user = await world.create(
      aUser(cluster.metadata.name, 'any', {
        acls: [{ resource: { type: 'cluster', name: 'kafka-cluster' }, operations: ['Alter'] }],
      }),
    )
    const failed = await untilPhase(world.get, user, 'Failed')
    expect(failed.status?.conditions?.[0]?.reason).toBe(reasons.ClusterAclRefused)
  })
})

describe('the operator on a dedicated kubernetes cluster', () => {
  test('renders the KRaft workload, follows the StatefulSet status and cleans up with the cluster', async () => {
    const name = uniqueName('kraft').slice(0, 20)
    const cluster = await world.create<KafkaCluster>({
      ...aSharedCluster('unused', name),
      spec: { type: 'dedicated', provider: 'kubernetes', dedicated: { brokers: 3 } },
    })
    const provisioning = await untilPhase(world.get, cluster, 'Provisioning')
    expect(provisioning.status?.conditions?.[0]?.message).toMatch(/0\/3 brokers ready/)

    // No kubelet runs here: report what the StatefulSet controller would.
    const path = `${objectPath(StatefulSets, `${name}-broker`, world.namespace)}`
    const set = await world.client.get<{
      spec: { replicas: number }
      metadata: { generation: number }
    }>(path)
    expect(set.spec.replicas).toBe(3)
    await world.client.request('PATCH', `${path}/status`, {
      body: {
        status: { replicas: 3, readyReplicas: 3, observedGeneration: set.metadata.generation },
      },
      contentType: PatchStrategy.MergePatch,
    })
    const ready = await untilPhase(world.get, cluster, 'Ready', { timeout: 30_000 })
    expect(ready.status?.bootstrapServers).toBe(
      `${name}-kafka-bootstrap.${world.namespace}.svc.cluster.local:9092`,
    )

    const topic = await world.create(aTopic(name, { partitions: 1 }))
    const refused = await untilPhase(world.get, topic, 'Failed')
    expect(refused.status?.conditions?.[0]?.reason).toBe(reasons.DedicatedClusterNotSupported)

    await world.client.request('DELETE', objectUrl('KafkaCluster', name))
    await expect
      .poll(
        () =>
          world.client.get(path).then(
            () => 'present',
            () => 'gone',
          ),
        { timeout: 30_000 },
      )
      .toBe('gone')
  })
})

function objectUrl(kind: keyof typeof types, name: string): string {
  return `/apis/fjord.dev/v1alpha1/namespaces/${world.namespace}/${types[kind].plural}/${name}`
}
