import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { KafkaClusters } from '@fjord/contract/resources'
import type { KafkaTopic } from '@fjord/contract/types'
import { deleteObject } from '@fjord/kube/apply'
import { uniqueName } from '@fjord/testing/names'
import { anOperatorWorld, leaseHolder, stackKafka, untilPhase } from '@fjord/testing/operator'
import { aSharedCluster, aTopic } from '@fjord/testing/resources'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'

// Two operators as separate processes, as a Deployment runs them: SIGTERM to the leader is
// what the kubelet sends when its pod is deleted or rolled.

let world: Awaited<ReturnType<typeof anOperatorWorld>>
const kafka = stackKafka()
const replicas: ChildProcess[] = []

beforeAll(async () => {
  world = await anOperatorWorld({ inProcess: false })
})
afterAll(async () => {
  for (const child of replicas) child.kill('SIGKILL')
  await world.stop()
  await kafka.close()
})

const leaseHeldBy = () => leaseHolder(world.client, world.namespace)

const exitOf = async (child: ChildProcess) =>
  child.exitCode ?? ((await once(child, 'exit')) as [number | null])[0]

test('on SIGTERM the leader finishes its reconciles, hands the lease over at once and exits 0', async () => {
  const identities = [uniqueName('a'), uniqueName('b')]
  const children = new Map(
    identities.map((id) => {
      const child = world.spawnOperator(id)
      replicas.push(child)
      return [id, child] as const
    }),
  )
  const leader = await vi.waitFor(
    async () => {
      const holder = await leaseHeldBy()
      if (!holder || !children.has(holder)) throw new Error(`no replica leads yet (${holder})`)
      return holder
    },
    { timeout: 30_000, interval: 100 },
  )
  const standby = identities.find((id) => id !== leader)
  const cluster = await world.create(aSharedCluster(world.pool.metadata.name))
  const prefix =
    (await untilPhase(world.get, cluster, 'Ready', { timeout: 60_000 })).status?.kafkaPrefix ?? ''
  const topics: KafkaTopic[] = Array.from({ length: 150 }, (_, i) =>
    aTopic(cluster.metadata.name, { partitions: 1 }, `t${i}`),
  )
  await Promise.all(topics.map((t) => world.create(t)))
  const made = async () => (await kafka.listTopics()).filter((t) => t.startsWith(prefix)).length
  await vi.waitFor(async () => expect(await made()).toBeGreaterThan(10), {
    timeout: 30_000,
    interval: 50,
  })

  const leading = children.get(leader)
  leading?.kill('SIGTERM')
  const signalledAt = Date.now()
  expect(leading && (await exitOf(leading))).toBe(0)
  // Well within the 20 s grace: reconciles take milliseconds.
  expect(Date.now() - signalledAt).toBeLessThan(10_000)
  await vi.waitFor(async () => expect(await leaseHeldBy()).toBe(standby), {
    timeout: 15_000,
    interval: 100,
  })
  // The standby tries every 2 s (and a fifth more at most): an unreleased lease would hold
  // it off for the lease's 15 s.
  expect(Date.now() - signalledAt).toBeLessThan(6_000)

  // No topic was left made in Kafka but unrecorded: such a one could not be told from a
  // topic made outside Fjord, and would fail (TopicExistsOutsideFjord).
  for (const topic of topics) await untilPhase(world.get, topic, 'Ready', { timeout: 60_000 })

  await deleteObject(world.client, KafkaClusters, cluster.metadata.name, world.namespace)
  await vi.waitFor(async () => expect(await made()).toBe(0), { timeout: 60_000, interval: 500 })
  const other = children.get(standby ?? '')
  other?.kill('SIGTERM')
  expect(other && (await exitOf(other))).toBe(0)
})
