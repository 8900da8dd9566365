import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { loadConfig } from '../../stack/src/config.ts'
import { portInUse } from '../../stack/src/proc.ts'
import { kafkaAdminUser, kafka as kafkaService } from '../../stack/src/services/kafka.ts'
import type { Service } from '../../stack/src/services/service.ts'
import type { KafkaTopic } from '../src/crds/types.ts'
import { KafkaAdmin } from '../src/kafka/admin.ts'
import { apply } from '../src/kube/apply.ts'
import { Secrets } from '../src/kube/resources.ts'
import { aPool, aSharedCluster, aTopic } from './support/builders.ts'
import { anOperatorWorld, untilPhase } from './support/operator.ts'

/** Two free loopback ports, for a broker of this test's own. */
async function freePorts(): Promise<[number, number]> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000)
    if (!(await portInUse(base)) && !(await portInUse(base + 1))) return [base, base + 1]
  }
}

let world: Awaited<ReturnType<typeof anOperatorWorld>>
let broker: Service
let stackDir: string
let admin: KafkaAdmin
let bootstrap: string
const password = randomBytes(12).toString('base64url')

// A broker of its own, so stopping it cannot disturb the tests that share the stack's Kafka.
beforeAll(async () => {
  stackDir = mkdtempSync(join(tmpdir(), 'fjord-outage-'))
  const [port, controller] = await freePorts()
  const config = loadConfig({
    ...process.env,
    FJORD_STACK_DIR: stackDir,
    FJORD_KAFKA_PORT: String(port),
    FJORD_KAFKA_CONTROLLER_PORT: String(controller),
  })
  broker = kafkaService({
    config,
    secrets: {
      kafkaAdminPassword: password,
      postgresPassword: '',
      kubeAdminToken: '',
      platformToken: '',
      meteringToken: '',
    },
  })
  await broker.install()
  await broker.up()
  bootstrap = `127.0.0.1:${port}`
  admin = new KafkaAdmin({
    bootstrapServers: [bootstrap],
    mechanism: 'SCRAM-SHA-512',
    username: kafkaAdminUser,
    password,
  })
  world = await anOperatorWorld()
  await apply(world.client, Secrets, {
    metadata: { name: 'outage-admin', namespace: world.namespace },
    stringData: { username: kafkaAdminUser, password },
  })
})
afterAll(async () => {
  await world?.stop()
  await admin?.close()
  await broker?.down()
  rmSync(stackDir, { recursive: true, force: true })
})

describe('the operator when Kafka goes away', () => {
  test('reports a retrying condition while Kafka is stopped for 30 s, then converges by itself', async () => {
    const pool = await world.create(
      aPool({
        bootstrapServers: [bootstrap],
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
        const ready = (await world.get(during)).status?.conditions?.find((c) => c.type === 'Ready')
        expect(ready).toMatchObject({
          status: 'False',
          reason: 'KafkaUnavailable',
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
