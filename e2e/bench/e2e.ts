/**
 * bench:e2e — how long from a PUT of a topic on the REST API until a produce to it succeeds,
 * through the whole product (api → outbox → provisioner → KafkaTopic → operator → Kafka),
 * for 100 topics made one by one and 1,000 made with one bulk apply; and the same through
 * direct Kafka admin calls on the same broker (the floor). Runs against the stack (the api on
 * the stack's PostgreSQL); prints figures, asserts none. For the bulk case it also prints when
 * each topic passed each stage on its way (the waterfall); the operator's stages come from its
 * diagnostics channels, which only a subscriber like this one turns on.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import { createApp } from '@fjord/api/app'
import { testConfig } from '@fjord/api/config'
import { openDatabase } from '@fjord/api/db/client'
import { quotaOverrides } from '@fjord/api/db/schema'
import { Provisioner } from '@fjord/api/provisioner/provisioner'
import { StatusWatcher } from '@fjord/api/provisioner/status-watcher'
import { createFjordClient, unwrap } from '@fjord/client'
import { installCrds } from '@fjord/contract/install'
import { KafkaPools, KafkaTopics } from '@fjord/contract/resources'
import type { KafkaTopic } from '@fjord/contract/types'
import { apply } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { apiListWatch, Informer, objectKey } from '@fjord/kube/informer'
import { collectionPath, Namespaces, Secrets } from '@fjord/kube/resources'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import {
  type CreateTopicsMessage,
  operatorChannels,
  type TopicSeen,
} from '@fjord/operator/kafka/diagnostics'
import { startOperator } from '@fjord/operator/main'
import { readStackEnv } from '@fjord/stack/env'
import { quantile, refuseBesideAnotherOperator, waterfall } from '@fjord/testing/bench'
import { Producer, stringSerializers } from '@platformatic/kafka'
import pino from 'pino'

const env = readStackEnv()
const id = randomBytes(3).toString('hex')
const labels = { 'fjord.dev/bench': id }
const system = `bench-e2e-${id}`
const org = `bench-${id}`
const kube = KubeClient.fromFile(env.kube.kubeconfig)
const log = pino({ level: 'silent' })

await refuseBesideAnotherOperator(kube)

/**
 * When each topic first passed a stage (performance.now()), kept by the name each stage knows
 * it by: the API's topic name, the KafkaTopic's key, the Kafka topic's name.
 */
const firstAt = (times: Map<string, number>, key: string) => {
  if (!times.has(key)) times.set(key, performance.now())
}
const kafkaTopicAdded = new Map<string, number>()
const topicOfKey = new Map<string, string>()
const operatorSaw = new Map<string, number>()
const createSent = new Map<string, number>()
const createAnswered = new Map<string, number>()
subscribe(operatorChannels.topicSeen, (message) => firstAt(operatorSaw, (message as TopicSeen).key))
subscribe(operatorChannels.createTopicsSent, (message) => {
  for (const topic of (message as CreateTopicsMessage).topics) firstAt(createSent, topic)
})
subscribe(operatorChannels.createTopicsAnswered, (message) => {
  for (const topic of (message as CreateTopicsMessage).topics) firstAt(createAnswered, topic)
})
const kafkaTopics = new Informer<KafkaTopic & KubeObject>(
  apiListWatch(kube, collectionPath(KafkaTopics), { labelSelector: `fjord.dev/bench=${id}` }),
).onAdd((topic) => {
  const name = topic.spec.topicName ?? topic.metadata.name
  firstAt(kafkaTopicAdded, name)
  topicOfKey.set(objectKey(topic), name)
})
kafkaTopics.start()
await kafkaTopics.synced

// The platform: a pool on the stack's Kafka and an operator, both scoped to this run's label.
await installCrds(kube)
await apply(kube, Namespaces, { metadata: { name: system } })
await apply(kube, Secrets, {
  metadata: { name: 'kafka-admin', namespace: system },
  stringData: env.kafka.admin,
})
await apply(kube, KafkaPools, {
  metadata: { name: system, labels },
  spec: {
    bootstrapServers: [env.kafka.bootstrapServers],
    saslMechanism: env.kafka.saslMechanism,
    adminCredentialsSecretRef: { name: 'kafka-admin', namespace: system },
    capacity: { maxPartitions: 100_000 },
  },
})
const stopOperator = await startOperator({
  kubeconfig: env.kube.kubeconfig,
  installCrds: false,
  leaseNamespace: system,
  identity: `bench-${id}`,
  port: 0,
  topicConcurrency: 64,
  resyncMs: 300_000,
  selector: `fjord.dev/bench=${id}`,
})

// The api, as `fjord-api serve` runs it, on the stack's PostgreSQL.
const databaseUrl = execFileSync(process.execPath, [
  'stack/src/cli.ts',
  'database',
  'fjord_bench_e2e',
])
  .toString()
  .trim()
const config = testConfig({ databaseUrl, resourceLabels: labels, defaultReplicationFactor: 1 })
const database = openDatabase(config)
await database.migrate()
const { app, close: closeApp } = createApp({ config, database, kube, logger: log })
const scope = { db: database.db, kube, log, resourceLabels: labels }
const provisioner = new Provisioner(scope)
const watcher = new StatusWatcher({
  ...scope,
  lease: { namespace: system, identity: `bench-${id}` },
})
provisioner.start()
watcher.start()

// The REST API through its client, in-process.
const baseUrl = 'http://fjord.bench'
const inProcess = async (request: Request) => app.fetch(request)
const signup = await createFjordClient({ baseUrl, fetch: inProcess }).POST('/v1/auth/signup', {
  body: {
    email: `${org}@example.com`,
    password: 'a long bench password',
    organization: { name: org },
  },
})
const { csrfToken } = await unwrap(signup)
const cookie = signup.response.headers
  .getSetCookie()
  .map((header) => header.split(';')[0])
  .join('; ')
const fjord = createFjordClient({
  baseUrl,
  fetch: inProcess,
  headers: { cookie, 'x-csrf-token': csrfToken },
})
const main = { org, cluster: 'main' }
const wait = { wait: 'true' } as const
const [orgRow] = await database.db.query.organizations.findMany({
  where: (organizations, { eq }) => eq(organizations.name, org),
})
await database.db
  .insert(quotaOverrides)
  .values({ orgId: orgRow?.id ?? '', topics: 100_000, partitions: 1_000_000 })
await unwrap(
  fjord.PUT('/v1/orgs/{org}/clusters/{cluster}', { params: { path: main, query: wait }, body: {} }),
)
const bench = { ...main, serviceAccount: 'bench' }
await unwrap(
  fjord.PUT('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}', {
    params: { path: bench, query: wait },
    body: {
      acls: [
        {
          resourceType: 'topic',
          patternType: 'prefixed',
          name: 't',
          operations: ['write', 'describe'],
        },
      ],
    },
  }),
)
const credential = await unwrap(
  fjord.POST('/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials', {
    params: { path: bench },
  }),
)
const prefix = credential.connection.topicPrefix

const producer = new Producer({
  clientId: `bench-${id}`,
  bootstrapBrokers: [env.kafka.bootstrapServers],
  sasl: {
    mechanism: 'SCRAM-SHA-512',
    username: credential.connection.username,
    password: credential.connection.password,
  },
  serializers: stringSerializers,
  retries: 0,
})

/** Produces one record until it succeeds: the moment the topic is usable. */
async function usable(topic: string): Promise<void> {
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      await producer.send({ messages: [{ topic, value: 'x' }] })
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(10)
    }
  }
}

const admin = new KafkaAdmin({
  bootstrapServers: [env.kafka.bootstrapServers],
  mechanism: env.kafka.saslMechanism,
  ...env.kafka.admin,
})
const spec = (name: string) => ({ name, partitions: 1, replicationFactor: 1, config: {} })
const names = (kind: string, count: number) =>
  Array.from({ length: count }, (_, i) => `t${kind}-${String(i).padStart(4, '0')}`)

/** A topic of one partition in the cluster, answered at once or, with `wait`, once Ready. */
const putTopic = (topic: string, query?: typeof wait) =>
  unwrap(
    fjord.PUT('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', {
      params: { path: { ...main, topic }, query },
      body: { partitions: 1 },
    }),
  )

await putTopic('twarmup', wait)
await usable(`${prefix}twarmup`)

async function oneByOne(kind: string, make: (name: string) => Promise<unknown>) {
  const times: number[] = []
  for (const name of names(kind, 100)) {
    const started = performance.now()
    await make(name)
    await usable(`${prefix}${name}`)
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)
}

/** All made at once, then produced to one by one; answers when each became usable. */
async function inBulk(kind: string, make: (all: string[]) => Promise<unknown>) {
  const all = names(kind, 1_000)
  const started = performance.now()
  await make(all)
  const usableAt = new Map<string, number>()
  for (const name of all) {
    await usable(`${prefix}${name}`)
    usableAt.set(name, performance.now())
  }
  return { started, totalMs: performance.now() - started, usableAt }
}

/** Follows a topic through the API, as a client would, until it is Ready. */
async function ready(name: string): Promise<void> {
  const topic = { ...main, topic: name }
  const get = () =>
    unwrap(
      fjord.GET('/v1/orgs/{org}/clusters/{cluster}/topics/{topic}', { params: { path: topic } }),
    )
  while ((await get()).status.phase !== 'Ready') await sleep(10)
}

const single = await oneByOne('s', async (name) => {
  await putTopic(name)
  await ready(name)
})
const singleFloor = await oneByOne('f', (name) => admin.createTopics([spec(`${prefix}${name}`)]))
let committedAt = 0
const readyAt = new Map<string, number>()
const bulk = await inBulk('b', async (all) => {
  await unwrap(
    fjord.PUT('/v1/orgs/{org}/clusters/{cluster}/topics', {
      params: { path: main },
      body: { topics: all.map((name) => ({ name, partitions: 1 })) },
    }),
  )
  // The api applies the whole list in one transaction: its answer follows the commit.
  committedAt = performance.now()
  for (const name of all) {
    await ready(name)
    readyAt.set(name, performance.now())
  }
})
const bulkFloor = await inBulk('g', (all) =>
  admin.createTopics(all.map((name) => spec(`${prefix}${name}`))),
)

const bulkNames = names('b', 1_000)
const sawByName = new Map<string, number>()
for (const [key, at] of operatorSaw) {
  const name = topicOfKey.get(key)
  if (name !== undefined) sawByName.set(name, at)
}
/** A stage's times from the bulk request's start, for the topics that reached it. */
const stage = (name: string, times: Map<string, number>, kafkaNamed = false) => ({
  name,
  times: bulkNames.flatMap((topic) => {
    const at = times.get(kafkaNamed ? `${prefix}${topic}` : topic)
    return at === undefined ? [] : [at - bulk.started]
  }),
})
const stages = waterfall([
  {
    name: '1 API commit (bulk PUT answered)',
    times: bulkNames.map(() => committedAt - bulk.started),
  },
  stage('2 KafkaTopic ADDED (bench watch)', kafkaTopicAdded),
  stage('3 operator saw it (reconcile)', sawByName),
  stage('4 CreateTopics sent', createSent, true),
  stage('5 CreateTopics answered', createAnswered, true),
  stage('  Ready through the API', readyAt),
  stage('6 first produce succeeded', bulk.usableAt),
])

const at = quantile
const ms = (value: number) => `${value.toFixed(0)} ms`
console.log(`
bench:e2e — PUT of a topic until a produce to it succeeds (stack: one broker, 2 cores)

100 topics one by one      p50 ${ms(at(single, 0.5))}  p95 ${ms(at(single, 0.95))}  (target p95 <= 1500 ms)
  floor (CreateTopics)     p50 ${ms(at(singleFloor, 0.5))}  p95 ${ms(at(singleFloor, 0.95))}
  ratio p95                ${(at(single, 0.95) / at(singleFloor, 0.95)).toFixed(1)}
1,000 topics, one apply    ${ms(bulk.totalMs)} until all usable
  floor (one CreateTopics) ${ms(bulkFloor.totalMs)}
  ratio                    ${(bulk.totalMs / bulkFloor.totalMs).toFixed(1)}  (target <= 2)

1,000 topics, one apply: when each topic passed each stage, from the bulk PUT's start
(+p50/+p95: the gap from the stage above; "Ready through the API" is the bench following
each topic in turn, and the produces run one by one after all are Ready, as in the floor)
${stages}
`)

// Tidy up: the cluster's deletion makes the operator delete its topics in Kafka.
await unwrap(fjord.DELETE('/v1/orgs/{org}/clusters/{cluster}', { params: { path: main } }))
for (const name of [...names('f', 100), ...names('g', 1_000)]) {
  await admin.deleteTopic(`${prefix}${name}`)
}
const deadline = Date.now() + 300_000
while ((await admin.listTopics()).some((name) => name.startsWith(prefix)) && Date.now() < deadline)
  await sleep(1_000)
await kafkaTopics.stop()
await producer.close()
await admin.close()
await provisioner.stop()
await watcher.stop()
await stopOperator()
await closeApp()
await database.close()
kube.close()
