import { setTimeout as sleep } from 'node:timers/promises'
import { readyCondition, reasons } from '@fjord/contract/reasons'
import type { KafkaTopic } from '@fjord/contract/types'
import { apply } from '@fjord/kube/apply'
import { Secrets } from '@fjord/kube/resources'
import { anOperatorWorld, untilPhase } from '@fjord/testing/operator'
import { aPrivateKafka } from '@fjord/testing/private-kafka'
import { aPool, aSharedCluster, aTopic } from '@fjord/testing/resources'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { KafkaAdmin } from '../src/kafka/admin.ts'

let world: Awaited<ReturnType<typeof anOperatorWorld>>
let broker: Awaited<ReturnType<typeof aPrivateKafka>>
let admin: KafkaAdmin

// A broker of its own, so stopping it cannot disturb the tests that share the stack's Kafka.
beforeAll(async () => {
  broker = await aPrivateKafka()
  admin = new KafkaAdmin({
    bootstrapServers: [broker.bootstrap],
    mechanism: broker.mechanism,
    ...broker.admin,
  })
  world = await anOperatorWorld()
  await apply(world.client, Secrets, {
    metadata: { name: 'outage-admin', namespace: world.namespace },
    stringData: broker.admin,
  })
})
afterAll(async () => {
  await world?.stop()
  await admin?.close()
  await broker?.close()
})

describe('the operator when Kafka goes away', () => {
  test('reports a retrying condition while Kafka is stopped for 30 s, then converges by itself', async () => {
    const pool = await world.create(
      aPool({
        bootstrapServers: [broker.bootstrap],
        saslMechanism: broker.mechanism,
        adminCredentialsSecretRef: { name: 'outage-admin', namespace: world.namespace },
      }),
    )
    await untilPhase(world.get, pool, 'Ready')
    const cluster = await world.create(aSharedCluster(pool.metadata.name))
    const prefix = (await untilPhase(world.get, cluster, 'Ready')).status?.kafkaPrefix ?? ''
    const before = await world.create(aTopic(cluster.metadata.name, { partitions: 1 }))
    await untilPhase(world.get, before, 'Ready')

    await broker.down()
    const stoppedAt = Date.now()
    const during: KafkaTopic = await world.create(aTopic(cluster.metadata.name, { partitions: 2 }))
    await world.create({ ...before, spec: { ...before.spec, partitions: 3 } })
    await vi.waitFor(
      async () => {
        const ready = (await world.get(during)).status?.conditions?.find(
          (c) => c.type === readyCondition,
        )
        expect(ready).toMatchObject({
          status: 'False',
          reason: reasons.KafkaUnavailable,
          message: expect.stringMatching(/retrying/),
        })
      },
      { timeout: 25_000, interval: 250 },
    )
    await sleep(Math.max(0, 30_000 - (Date.now() - stoppedAt)))

    await broker.up()
    await untilPhase(world.get, during, 'Ready', { timeout: 120_000 })
    await untilPhase(world.get, before, 'Ready', { generation: 2, timeout: 120_000 })
    expect((await admin.describeTopic(`${prefix}${during.metadata.name}`))?.partitions).toBe(2)
    expect((await admin.describeTopic(`${prefix}${before.metadata.name}`))?.partitions).toBe(3)
  })
})
