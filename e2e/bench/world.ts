/**
 * What bench:e2e runs on, made for the run and removed after it: a pool on the stack's Kafka,
 * the operator (in the bench's process, for its diagnostics channels) and the api (in its
 * own, see api-process.ts), both scoped to the run's label; an org with a cluster, a service
 * account that may write to its topics, a producer with its credential and a Kafka admin.
 */
import '@fjord/kafka/connection-errors'
import { join } from 'node:path'
import { createFjordClient, unwrap } from '@fjord/client'
import { installCrds } from '@fjord/contract/install'
import { orgNamespaceName } from '@fjord/contract/naming'
import { KafkaPools } from '@fjord/contract/resources'
import { kafkaErrorIds } from '@fjord/kafka/errors'
import { apply, deleteObject, getObject } from '@fjord/kube/apply'
import type { KubeClient } from '@fjord/kube/client'
import { Namespaces, Secrets } from '@fjord/kube/resources'
import { defaultTopicConcurrency } from '@fjord/operator/config'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import { startOperator } from '@fjord/operator/main'
import { loadConfig } from '@fjord/stack/config'
import type { StackEnv } from '@fjord/stack/env'
import { waitFor } from '@fjord/stack/proc'
import { RssSampler, stackPid } from '@fjord/testing/bench'
import { Admin, Producer, stringSerializers } from '@platformatic/kafka'
import { startApi } from './api-process.ts'

/** Resident memory of the measured processes at one point of the run, in MiB. */
export interface MemoryRow {
  when: string
  mib: Record<string, number | undefined>
}

/**
 * Makes the world of run `id`. `cleanUp` removes whatever of it was made, the last made
 * first, and notes the memory once the product has deleted what it made; it runs by itself
 * when the making fails.
 */
export async function aBenchWorld(id: string, kube: KubeClient, env: StackEnv) {
  const labels = { 'fjord.dev/bench': id }
  const system = `bench-e2e-${id}`
  const org = `bench-${id}`
  const memory: MemoryRow[] = []
  const undo: { what: string; run: () => Promise<unknown> }[] = []
  const later = (what: string, run: () => Promise<unknown>) => undo.push({ what, run })
  const cleanUp = async () => {
    for (const { what, run } of undo.reverse()) {
      await run().catch((error: unknown) =>
        process.stderr.write(`cleanup: ${what} failed: ${(error as Error).message}\n`),
      )
    }
  }
  const gone = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) =>
    waitFor(`${what} to be gone`, check, { timeoutMs, intervalMs: 500 })

  try {
    await installCrds(kube)
    await apply(kube, Namespaces, { metadata: { name: system } })
    later(`delete the namespace ${system}`, async () => {
      await deleteObject(kube, Namespaces, system, undefined)
      await gone(system, async () => !(await getObject(kube, Namespaces, system)))
    })
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
    later('delete the pool', () => deleteObject(kube, KafkaPools, system, undefined))
    const stopOperator = await startOperator({
      kubeconfig: env.kube.kubeconfig,
      installCrds: false,
      leaseNamespace: system,
      identity: `bench-${id}`,
      port: 0,
      topicConcurrency: defaultTopicConcurrency,
      resyncMs: 300_000,
      selector: `fjord.dev/bench=${id}`,
      logLevel: 'warn',
    })
    later('stop the operator', stopOperator)
    // The api's status Lease lives in the run's namespace, beside the operator's.
    const api = await startApi(
      'fjord_bench_e2e',
      {
        LOG_LEVEL: 'warn',
        FJORD_KUBECONFIG: env.kube.kubeconfig,
        FJORD_SYSTEM_NAMESPACE: system,
        FJORD_RESOURCE_LABELS: `fjord.dev/bench=${id}`,
        FJORD_DEFAULT_REPLICATION_FACTOR: '1',
      },
      join(loadConfig().stackDir, 'logs', 'bench-e2e-api.log'),
    )
    later('stop the api', api.stop)
    const rss = new RssSampler({
      api: api.child.pid,
      'operator*': process.pid,
      'kube-apiserver': stackPid('kube-apiserver'),
      etcd: stackPid('etcd'),
    })
    later('stop sampling memory', async () => rss.stop())

    // The REST API through its client, over HTTP, as the org's owner.
    const signup = await createFjordClient({ baseUrl: api.baseUrl }).POST('/v1/auth/signup', {
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
      baseUrl: api.baseUrl,
      headers: { cookie, 'x-csrf-token': csrfToken },
    })
    const { id: orgId } = await unwrap(fjord.GET('/v1/orgs/{org}', { params: { path: { org } } }))
    later('note the memory after the cleanup', async () =>
      memory.push({ when: 'after the cleanup', mib: rss.sample() }),
    )
    later('delete the organization', async () => {
      // The provisioner deletes the org's namespace once the org is gone.
      await unwrap(fjord.DELETE('/v1/orgs/{org}', { params: { path: { org } } }))
      const namespace = orgNamespaceName(orgId)
      await gone(namespace, async () => !(await getObject(kube, Namespaces, namespace)))
    })
    api.command('quota', org, 'topics=100000', 'partitions=1000000')

    const main = { org, cluster: 'main' }
    const wait = { wait: 'true' } as const
    await unwrap(
      fjord.PUT('/v1/orgs/{org}/clusters/{cluster}', {
        params: { path: main, query: wait },
        body: {},
      }),
    )
    later('delete the cluster', async () => {
      // Its deletion makes the operator delete its topics and users in Kafka first.
      const cluster = { params: { path: main } }
      await unwrap(fjord.DELETE('/v1/orgs/{org}/clusters/{cluster}', cluster))
      await gone(
        'the cluster',
        async () =>
          (await fjord.GET('/v1/orgs/{org}/clusters/{cluster}', cluster)).response.status === 404,
        600_000,
      )
    })
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
    const { connection } = await unwrap(
      fjord.POST(
        '/v1/orgs/{org}/clusters/{cluster}/service-accounts/{serviceAccount}/credentials',
        {
          params: { path: bench },
        },
      ),
    )

    const producer = new Producer({
      clientId: `bench-${id}`,
      bootstrapBrokers: [env.kafka.bootstrapServers],
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: connection.username,
        password: connection.password,
      },
      serializers: stringSerializers,
      retries: 0,
    })
    later('close the producer', () => producer.close())
    const { username, password } = env.kafka.admin
    const admin = new KafkaAdmin({
      bootstrapServers: [env.kafka.bootstrapServers],
      mechanism: env.kafka.saslMechanism,
      username,
      password,
    })
    // KafkaAdmin deletes one topic a request; the floor's thousands go a thousand a request.
    const deleter = new Admin({
      clientId: `bench-${id}`,
      bootstrapBrokers: [env.kafka.bootstrapServers],
      sasl: { mechanism: env.kafka.saslMechanism, username, password },
    })
    later('close the Kafka admin', async () => {
      await admin.close()
      await deleter.close()
    })
    /** With `unknownIsGone`, a topic the broker no longer knows counts as deleted. */
    const deleteTopics = async (topics: string[], { unknownIsGone = false } = {}) => {
      for (let at = 0; at < topics.length; at += 1_000) {
        await deleter.deleteTopics({ topics: topics.slice(at, at + 1_000) }).catch((error) => {
          const ids = kafkaErrorIds(error)
          const onlyUnknown =
            ids.length > 0 && ids.every((id) => id === 'UNKNOWN_TOPIC_OR_PARTITION')
          if (!(unknownIsGone && onlyUnknown)) throw error
        })
      }
    }
    // The floor's topics (`tf…`) are the bench's own; the product's go with the cluster. The
    // broker still lists topics deleted a moment ago, and refuses them as unknown.
    const prefix = connection.topicPrefix
    later('delete the floor topics left', async () =>
      deleteTopics(
        (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}tf`)),
        { unknownIsGone: true },
      ),
    )

    return { fjord, main, prefix, producer, admin, deleteTopics, rss, memory, cleanUp }
  } catch (error) {
    await cleanUp()
    throw error
  }
}
