import '@fjord/kafka/connection-errors'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import {
  platformMechanism,
  type ScramMechanism,
  tenantMechanism,
  upsertScramCredential,
} from '@fjord/operator/kafka/scram'
import { firstIterated, javaStringHash } from '@fjord/testing/kafka-20774'
import { aPrivateKafka } from '@fjord/testing/private-kafka'
import { Connection } from '@platformatic/kafka'
import { afterEach, expect, test, vi } from 'vitest'
import { loadConfig, versions } from '../src/config.ts'
import { run } from '../src/proc.ts'

type Broker = Awaited<ReturnType<typeof aPrivateKafka>>
const brokers: Broker[] = []

// Brokers of their own: these tests change their admin and restart them.
async function aBroker(): Promise<Broker> {
  const broker = await aPrivateKafka()
  brokers.push(broker)
  return broker
}
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

const adminOf = (broker: Broker, password = broker.admin.password) =>
  new KafkaAdmin({
    bootstrapServers: [broker.bootstrap],
    mechanism: broker.mechanism,
    username: broker.admin.username,
    password,
  })

/** Whether Kafka takes this login now (a fresh connection, nothing cached). */
async function logsIn(
  broker: Broker,
  mechanism: ScramMechanism,
  username: string,
  password: string,
): Promise<boolean> {
  const [host = '', port = ''] = broker.bootstrap.split(':')
  const connection = new Connection('restart-test', {
    sasl: { mechanism, username, password },
    connectTimeout: 5000,
  })
  try {
    await connection.connect(host, Number(port))
    return true
  } catch {
    return false
  } finally {
    await connection.close()
  }
}

/** The users `broker` holds a `mechanism` credential for, asked through its controller. */
async function scramUsers(broker: Broker, mechanism: ScramMechanism): Promise<string[]> {
  const admin = adminOf(broker)
  try {
    const { users } = await admin.scramUsersByBroker(mechanism)
    return [...(users.get(1) ?? [])].sort()
  } finally {
    await admin.close()
  }
}

test("a start gives Kafka's admin the stack's password back, whatever Kafka held", async () => {
  const broker = await aBroker()
  const [host = '', port = ''] = broker.bootstrap.split(':')
  const own = new Connection('restart-test', {
    sasl: { mechanism: broker.mechanism, ...broker.admin },
  })
  try {
    await own.connect(host, Number(port))
    await upsertScramCredential(own, broker.mechanism, broker.admin.username, 'not-the-password')
  } finally {
    await own.close()
  }
  await broker.down()
  // `up` fails unless the admin logs in with the stack's password and lists topics.
  await broker.up()
  expect(broker.adminCredentialResets()).toBe(1)
  const again = adminOf(broker)
  try {
    expect(await again.listTopics()).toEqual([])
  } finally {
    await again.close()
  }
})

test('a stack formatted with its admin on SCRAM-SHA-512 only moves it to SCRAM-SHA-256', async () => {
  const broker = await aBroker()
  await broker.down()
  // The data of a stack made before the split: the admin's credential on the tenants' mechanism.
  const dir = join(broker.stackDir, 'kafka')
  const libs = join(loadConfig().cacheDir, `kafka-${versions.kafka}`, 'libs')
  const storage = (args: string[]) =>
    run('java', ['-cp', join(libs, '*'), 'kafka.tools.StorageTool', ...args])
  await run('rm', ['-rf', join(dir, 'data')])
  const clusterId = (await storage(['random-uuid'])).trim().split('\n').at(-1) ?? ''
  await storage([
    ...['format', '--cluster-id', clusterId, '--config', join(dir, 'server.properties')],
    ...[
      '--add-scram',
      `SCRAM-SHA-512=[name=${broker.admin.username},password=${broker.admin.password}]`,
    ],
  ])
  await broker.up()
  expect(broker.adminCredentialResets()).toBe(1)
  expect(await scramUsers(broker, platformMechanism)).toEqual([broker.admin.username])
  expect(await scramUsers(broker, tenantMechanism)).toEqual([])
  // Moved once: the next start finds the admin's login as it left it.
  await broker.down()
  await broker.up()
  expect(broker.adminCredentialResets()).toBe(1)
})

test("java's String hash as the broker computes it", () => {
  expect(javaStringHash('hello')).toBe(99162322)
  expect(javaStringHash('polygenelubricants')).toBe(-(2 ** 31))
  expect(javaStringHash('Aa')).toBe(javaStringHash('BB'))
})

test("a restart loses every tenant login (KAFKA-20774) but never the admin's", async () => {
  const broker = await aBroker()
  const admin = adminOf(broker)
  const tenants = Array.from({ length: 8 }, (_, i) => ({
    username: `tenant-${i}-${randomBytes(3).toString('hex')}`,
    password: randomBytes(12).toString('base64url'),
  }))
  // The removal the broker iterates first: nothing else needs to go.
  const deleted = firstIterated(tenants.map((t) => t.username))
  const kept = tenants.filter((t) => !deleted.includes(t.username))
  try {
    for (const t of tenants) await admin.upsertScram(t.username, t.password)
    for (const name of deleted) await admin.deleteScram(name)
  } finally {
    await admin.close()
  }
  await vi.waitFor(async () =>
    expect(await scramUsers(broker, tenantMechanism)).toEqual(kept.map((t) => t.username).sort()),
  )
  for (const t of kept)
    expect(await logsIn(broker, tenantMechanism, t.username, t.password)).toBe(true)

  await broker.down()
  await broker.up()

  // The admin logged in without its credential being set again.
  expect(broker.adminCredentialResets()).toBe(0)
  expect(
    await logsIn(broker, platformMechanism, broker.admin.username, broker.admin.password),
  ).toBe(true)
  // This Kafka still has the bug: when it stops losing them, the repair is a safety net only.
  const after = await scramUsers(broker, tenantMechanism)
  const loggedIn = []
  for (const t of kept) {
    if (await logsIn(broker, tenantMechanism, t.username, t.password)) loggedIn.push(t.username)
  }
  expect(
    { reported: after, loggedIn },
    `Kafka ${versions.kafka} kept tenant logins after deleting ${deleted.join(', ')}: KAFKA-20774 fixed?`,
  ).toEqual({ reported: [], loggedIn: [] })
})
