import { randomUUID } from 'node:crypto'
import { annotations, finalizer } from '@fjord/contract/metadata'
import { reasons } from '@fjord/contract/reasons'
import { KafkaClusters, KafkaTopics } from '@fjord/contract/resources'
import type { KafkaCluster, KafkaPool, KafkaTopic } from '@fjord/contract/types'
import { apply, getObject } from '@fjord/kube/apply'
import type { KubeClient, KubeObject } from '@fjord/kube/client'
import { isConflict, isNotFound } from '@fjord/kube/errors'
import { controllerReference, objectPath } from '@fjord/kube/resources'
import { uniqueName } from '@fjord/testing/names'
import { anOperatorWorld, stackKafka, untilPhase } from '@fjord/testing/operator'
import { aSharedCluster, aTopic } from '@fjord/testing/resources'
import { PatchStrategy } from '@kubernetes/client-node'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import type { KafkaAdmin } from '../src/kafka/admin.ts'
import { TopicCreateBatcher, TopicDescribeBatcher } from '../src/kafka/batcher.ts'
import type { OperatorContext } from '../src/reconcilers/context.ts'
import { topicReconciler } from '../src/reconcilers/topic.ts'

// The topic reconciler, driven pass by pass on a context whose Kafka admin and informer cache
// the tests control, so that a broker's lagging metadata and a stale cache happen on cue. The
// KafkaTopics here lack the world's shard label: its operator leaves them to these passes.

type Topic = KafkaTopic & KubeObject

let world: Awaited<ReturnType<typeof anOperatorWorld>>
let cluster: KafkaCluster & KubeObject
let pool: KafkaPool & KubeObject
let prefix: string
/** Someone outside Fjord, on a connection of their own to the same broker. */
const outside = stackKafka()
const fjords = stackKafka()

beforeAll(async () => {
  world = await anOperatorWorld()
  cluster = await untilPhase(
    world.get,
    await world.create(aSharedCluster(world.pool.metadata.name)),
    'Ready',
  )
  pool = await world.get(world.pool)
  prefix = cluster.status?.kafkaPrefix ?? ''
})
afterAll(async () => {
  // No operator watches these resources: take away what the tests left, in Kubernetes and Kafka.
  for (const { topic, kafkaName } of made) {
    const path = objectPath(KafkaTopics, topic.metadata.name, world.namespace)
    await world.client
      .request('PATCH', path, {
        body: { metadata: { finalizers: null } },
        contentType: PatchStrategy.MergePatch,
      })
      .then(() => world.client.request('DELETE', path))
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error
      })
    await outside.deleteTopic(kafkaName)
  }
  await world.stop()
  await Promise.all([outside.close(), fjords.close()])
})

/**
 * Fjord's admin, whose next describe of a name can be made to miss it, as a broker does while
 * its metadata trails the controller that just created the topic.
 */
function aLaggingAdmin() {
  const misses = new Set<string>()
  /** Every name Fjord's admin was asked to describe, in order. */
  const described: string[] = []
  const admin = new Proxy(fjords, {
    get(target, property) {
      if (property === 'describeTopics') {
        return async (names: string[]) => {
          described.push(...names)
          const answers = await target.describeTopics(names)
          for (const name of names) {
            if (misses.delete(name)) answers.set(name, { ok: true, topic: undefined })
          }
          return answers
        }
      }
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { admin, described, missNextDescribe: (name: string) => misses.add(name) }
}

/** An apiserver client whose next write of a topic id record fails, as one cut off would. */
function aClientThatDropsTheNextRecord() {
  let drop = true
  return new Proxy(world.client, {
    get(target, property) {
      if (property === 'request') {
        return (method: string, path: string, options?: { body?: unknown }) => {
          const body = options?.body as { metadata?: { annotations?: object } } | undefined
          if (
            drop &&
            body?.metadata?.annotations &&
            annotations.kafkaTopicId in body.metadata.annotations
          ) {
            drop = false
            return Promise.reject(new Error('the apiserver is unreachable'))
          }
          return target.request(method, path, options)
        }
      }
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * One reconciler, as one operator process has it. Each `pass` reconciles the topic once on the
 * cached copy, which `settle` refreshes from the apiserver before every pass unless a test
 * planted a stale one.
 */
function aReconciler(admin: KafkaAdmin, client: KubeClient = world.client) {
  const cache = new Map<string, Topic>()
  const byKey = <T extends KubeObject>(object: T) =>
    new Map([[[object.metadata.namespace, object.metadata.name].filter(Boolean).join('/'), object]])
  const ctx = {
    client,
    informers: { topics: cache, clusters: byKey(cluster), pools: byKey(pool) },
    kafka: { forPool: async () => admin },
    batcher: new TopicCreateBatcher({ lingerMs: 0 }),
    log: pino({ level: 'silent' }),
  } as unknown as OperatorContext
  const reconcile = topicReconciler(ctx, new TopicDescribeBatcher({ lingerMs: 0 }))
  const key = (topic: Topic) => `${world.namespace}/${topic.metadata.name}`
  const pass = (topic: Topic) => reconcile(key(topic), new AbortController().signal)
  const refresh = async (topic: Topic) => {
    const current = await read(topic)
    if (current) cache.set(key(topic), current)
    else cache.delete(key(topic))
  }
  const settle = async (topic: Topic, passes = 5) => {
    for (let i = 0; i < passes; i++) {
      await refresh(topic)
      // A conflict means the pass met a newer version: the controller retries it too.
      const result = await pass(topic).catch((error: unknown) => {
        if (isConflict(error)) return { requeueAfterMs: 0 }
        throw error
      })
      if (result === undefined) return read(topic)
    }
    throw new Error(
      `KafkaTopic ${topic.metadata.name} still asks for a retry after ${passes} passes`,
    )
  }
  return {
    pass,
    settle,
    plant: (stale: Topic) => cache.set(key(stale), stale),
    needsPass: (object: Topic, old: Topic) => reconcile.shouldReconcileUpdate?.(object, old),
  }
}

const read = (topic: Topic) =>
  getObject<Topic>(world.client, KafkaTopics, topic.metadata.name, world.namespace)

const made: { topic: Topic; kafkaName: string }[] = []

/**
 * A KafkaTopic as an admin applies it by hand, or `asTheApiMakesIt`: with the operator's
 * finalizer and the cluster as its controller owner already in it.
 */
async function aKafkaTopic({ asTheApiMakesIt = false } = {}): Promise<{
  topic: Topic
  kafkaName: string
}> {
  const { metadata, spec } = aTopic(cluster.metadata.name, { partitions: 1 }, uniqueName('owned'))
  const fromTheApi = asTheApiMakesIt
    ? { finalizers: [finalizer], ownerReferences: [controllerReference(KafkaClusters, cluster)] }
    : {}
  const topic = await apply<Topic>(
    world.client,
    KafkaTopics,
    { metadata: { ...metadata, ...fromTheApi, namespace: world.namespace }, spec },
    { fieldManager: 'fjord-test' },
  )
  made.push({ topic, kafkaName: `${prefix}${metadata.name}` })
  return { topic, kafkaName: `${prefix}${metadata.name}` }
}

const annotate = (topic: Topic, annotations: Record<string, string | null>) =>
  world.client.request<Topic>(
    'PATCH',
    objectPath(KafkaTopics, topic.metadata.name, world.namespace),
    {
      body: { metadata: { annotations } },
      contentType: PatchStrategy.MergePatch,
    },
  )

const remove = (topic: Topic) =>
  world.client.request('DELETE', objectPath(KafkaTopics, topic.metadata.name, world.namespace))

/** Creates a topic as someone outside Fjord would, and returns the id Kafka gave it. */
async function createOutsideFjord(name: string): Promise<string> {
  const result = (
    await outside.createTopics([{ name, partitions: 1, replicationFactor: 1, config: {} }])
  ).get(name)
  if (!result?.ok)
    throw new Error(`could not create ${name} outside Fjord: ${JSON.stringify(result)}`)
  return result.topicId
}

/** Deletes the topic and makes another of the same name, as someone outside Fjord might. */
async function replaceOutsideFjord(name: string): Promise<string> {
  await outside.deleteTopic(name)
  const theirs = await createOutsideFjord(name)
  expect(await idInKafka(name)).toBe(theirs)
  return theirs
}

/**
 * The id of the topic of this name in Kafka, or undefined, once the broker's metadata has
 * caught up with every change made so far: it applies them in order, so a topic created now
 * shows only after all of them.
 */
async function idInKafka(name: string): Promise<string | undefined> {
  const marker = uniqueName('caught-up')
  await createOutsideFjord(marker)
  await vi.waitFor(async () => {
    if (!(await outside.describeTopic(marker)))
      throw new Error(`the broker does not show ${marker} yet`)
  })
  await outside.deleteTopic(marker)
  return (await outside.describeTopic(name))?.topicId
}

const reasonOf = (topic: Topic | undefined) => topic?.status?.conditions?.[0]?.reason

describe('which Kafka topic a KafkaTopic owns', () => {
  test("takes TOPIC_ALREADY_EXISTS on its own create to mean the topic is not Fjord's, and leaves it alone when the resource goes", async () => {
    const { admin, missNextDescribe } = aLaggingAdmin()
    const operator = aReconciler(admin)
    const { topic, kafkaName } = await aKafkaTopic()
    const theirs = await createOutsideFjord(kafkaName)
    missNextDescribe(kafkaName)

    const failed = await operator.settle(topic)
    expect(failed?.status?.phase).toBe('Failed')
    expect(reasonOf(failed)).toBe(reasons.TopicExistsOutsideFjord)
    expect(failed?.metadata.annotations?.[annotations.kafkaTopicId]).toBeUndefined()

    await remove(topic)
    expect(await operator.settle(topic)).toBeUndefined()
    expect(await idInKafka(kafkaName)).toBe(theirs)
  })

  test('records the id Kafka gave the topic it created, and deletes that topic with the resource in one pass', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic, kafkaName } = await aKafkaTopic()

    const ready = await operator.settle(topic)
    expect(ready?.status?.phase).toBe('Ready')
    const id = await idInKafka(kafkaName)
    expect(id).toBeDefined()
    expect(ready?.metadata.annotations).toMatchObject({
      [annotations.kafkaTopicId]: id,
      [annotations.kafkaName]: kafkaName,
    })
    expect(ready?.status?.topicId).toBe(id)

    await remove(topic)
    // One pass: the finalizer's removal is guarded by the copy its Deleting status returned,
    // not by the cached one that status write made stale.
    expect(await operator.settle(topic, 1)).toBeUndefined()
    expect(await idInKafka(kafkaName)).toBeUndefined()
  })

  test('calls a namesake made outside Fjord after its own topic vanished foreign, and leaves it alone', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic, kafkaName } = await aKafkaTopic()
    const mine = (await operator.settle(topic))?.status?.topicId
    const theirs = await replaceOutsideFjord(kafkaName)
    expect(theirs).not.toBe(mine)

    const failed = await operator.settle(topic)
    expect(reasonOf(failed)).toBe(reasons.TopicExistsOutsideFjord)
    expect(failed?.status?.conditions?.[0]?.message).toContain(`not ${mine}`)
    expect(await idInKafka(kafkaName)).toBe(theirs)
  })

  test('deletes with the resource only the topic it created, never a namesake made since', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic, kafkaName } = await aKafkaTopic()
    await operator.settle(topic)
    const theirs = await replaceOutsideFjord(kafkaName)

    // Deleted before any pass has seen the namesake.
    await remove(topic)
    expect(await operator.settle(topic)).toBeUndefined()
    expect(await idInKafka(kafkaName)).toBe(theirs)
  })

  test('asks the apiserver before calling its own topic foreign on a cached copy that predates the record', async () => {
    const { admin, missNextDescribe } = aLaggingAdmin()
    const operator = aReconciler(admin)
    const { topic, kafkaName } = await aKafkaTopic()
    const ready = (await operator.settle(topic)) as Topic
    expect(await idInKafka(kafkaName)).toBe(ready.status?.topicId)
    const {
      [annotations.kafkaTopicId]: _id,
      [annotations.kafkaName]: _name,
      ...others
    } = ready.metadata.annotations ?? {}
    const stale: Topic = {
      ...ready,
      metadata: { ...ready.metadata, annotations: others },
      status: { ...ready.status, topicId: undefined, topicName: undefined },
    }

    operator.plant(stale)
    expect(await operator.pass(topic)).toBeUndefined()
    expect(reasonOf(await read(topic))).toBe(reasons.Reconciled)

    // Stale and lagging at once: Fjord's create meets its own topic, which is not foreign.
    operator.plant(stale)
    missNextDescribe(kafkaName)
    expect(await operator.pass(topic)).toEqual({ requeueAfterMs: expect.any(Number) })
    expect(reasonOf(await read(topic))).toBe(reasons.Reconciled)
    expect((await operator.settle(topic))?.status?.phase).toBe('Ready')
  })

  test('keeps a topic an earlier operator made, known by its status.topicId, and records that id', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic, kafkaName } = await aKafkaTopic()
    const id = (await operator.settle(topic))?.status?.topicId
    // What an earlier operator left: the name it meant to create and the id in the status.
    const legacy = await annotate(topic, { [annotations.kafkaTopicId]: null })
    expect(legacy.metadata.annotations?.[annotations.kafkaName]).toBe(kafkaName)

    const kept = await operator.settle(topic)
    expect(reasonOf(kept)).toBe(reasons.Reconciled)
    expect(kept?.metadata.annotations?.[annotations.kafkaTopicId]).toBe(id)
  })

  test('adopts a topic made outside Fjord once an admin annotates the id kafka-topics prints', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic, kafkaName } = await aKafkaTopic()
    const theirs = await createOutsideFjord(kafkaName)
    expect(reasonOf(await operator.settle(topic))).toBe(reasons.TopicExistsOutsideFjord)

    const asKafkaPrints = Buffer.from(theirs.replaceAll('-', ''), 'hex').toString('base64url')
    await annotate(topic, { [annotations.kafkaTopicId]: asKafkaPrints })
    const adopted = await operator.settle(topic)
    expect(reasonOf(adopted)).toBe(reasons.Reconciled)
    expect(adopted?.metadata.annotations?.[annotations.kafkaTopicId]).toBe(theirs)

    await remove(topic)
    expect(await operator.settle(topic)).toBeUndefined()
    expect(await idInKafka(kafkaName)).toBeUndefined()
  })

  test('keeps the id of the topic it created in memory while the record cannot be written', async () => {
    const operator = aReconciler(aLaggingAdmin().admin, aClientThatDropsTheNextRecord())
    const { topic, kafkaName } = await aKafkaTopic()

    await expect(operator.settle(topic)).rejects.toThrow(/unreachable/)
    const ready = await operator.settle(topic)
    expect(reasonOf(ready)).toBe(reasons.Reconciled)
    expect(ready?.metadata.annotations?.[annotations.kafkaTopicId]).toBe(await idInKafka(kafkaName))
  })

  test('leaves alone the topic it created when a restart came before the record', async () => {
    const { topic, kafkaName } = await aKafkaTopic()
    const dropped = aReconciler(aLaggingAdmin().admin, aClientThatDropsTheNextRecord())
    await expect(dropped.settle(topic)).rejects.toThrow(/unreachable/)
    const made = await idInKafka(kafkaName)
    expect(made).toBeDefined()

    const restarted = aReconciler(aLaggingAdmin().admin)
    expect(reasonOf(await restarted.settle(topic))).toBe(reasons.TopicExistsOutsideFjord)
    await remove(topic)
    expect(await restarted.settle(topic)).toBeUndefined()
    expect(await idInKafka(kafkaName)).toBe(made)
  })
  test('creates a topic that has no record without describing it first, and still leaves a namesake made outside Fjord alone', async () => {
    const { admin, described } = aLaggingAdmin()
    const operator = aReconciler(admin)
    const mine = await aKafkaTopic({ asTheApiMakesIt: true })
    expect((await operator.settle(mine.topic))?.status?.phase).toBe('Ready')
    expect(await idInKafka(mine.kafkaName)).toBeDefined()

    const { topic, kafkaName } = await aKafkaTopic({ asTheApiMakesIt: true })
    const theirs = await createOutsideFjord(kafkaName)
    await outside.alterTopicConfig(kafkaName, { 'retention.ms': '7200000' }, [])
    const wanted = await world.client.request<Topic>(
      'PATCH',
      objectPath(KafkaTopics, topic.metadata.name, world.namespace),
      { body: { spec: { partitions: 3 } }, contentType: PatchStrategy.MergePatch },
    )
    const failed = await operator.settle(wanted)
    expect(reasonOf(failed)).toBe(reasons.TopicExistsOutsideFjord)
    expect(failed?.metadata.annotations?.[annotations.kafkaTopicId]).toBeUndefined()
    expect(described).toEqual([])
    expect(await idInKafka(kafkaName)).toBe(theirs)
    const untouched = await outside.describeTopic(kafkaName)
    expect(untouched?.partitions).toBe(1)
    expect(untouched?.config).toContainEqual({
      name: 'retention.ms',
      value: '7200000',
      dynamic: true,
    })
  })

  test('needs no pass for the update its own record makes, but one for an admin who changes the record', async () => {
    const operator = aReconciler(aLaggingAdmin().admin)
    const { topic } = await aKafkaTopic({ asTheApiMakesIt: true })
    const recorded = (await operator.settle(topic)) as Topic
    expect(recorded.metadata.annotations?.[annotations.kafkaTopicId]).toBeDefined()
    // The finalizer and owner were there already: the record is the only change of metadata.
    expect(operator.needsPass(recorded, topic)).toBe(false)

    const pasted = await annotate(topic, { [annotations.kafkaTopicId]: randomUUID() })
    expect(operator.needsPass(pasted, recorded)).toBe(true)
    const removed = await annotate(topic, {
      [annotations.kafkaTopicId]: null,
      [annotations.kafkaName]: null,
    })
    expect(operator.needsPass(removed, pasted)).toBe(true)
  })
})
