/**
 * bench:operator — how fast the operator makes 1,000 KafkaTopics real, against one batched
 * CreateTopics of 1,000 topics on the same broker (the floor), and the resident memory of the
 * operator (a process of its own, as deployed) and of kube-apiserver with 1,000 and 10,000
 * KafkaTopic resources (9,000 of them of a cluster whose pool does not exist, so they wait).
 * Runs against the stack; prints figures, asserts none. `--topics 1000 --parked 9000` are the
 * defaults; smaller counts check the bench itself.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { installCrds } from '@fjord/contract/install'
import { KafkaClusters, KafkaPools, KafkaTopics } from '@fjord/contract/resources'
import { apiVersion, type KafkaTopic } from '@fjord/contract/types'
import { apply, deleteObject } from '@fjord/kube/apply'
import { KubeClient, type KubeList } from '@fjord/kube/client'
import { collectionPath, Namespaces, Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import { countFlag, refuseBesideAnotherOperator, rssMiB, stackPid } from '@fjord/testing/bench'
import { operatorNodeFlags } from '../src/config.ts'
import { KafkaAdmin } from '../src/kafka/admin.ts'

const { values: flags } = parseArgs({
  options: {
    topics: { type: 'string', default: '1000' },
    parked: { type: 'string', default: '9000' },
  },
})
const made = countFlag('topics', flags.topics)
const parked = countFlag('parked', flags.parked)
const thousands = (count: number) => count.toLocaleString('en-US')
const env = readStackEnv()
const client = KubeClient.fromFile(env.kube.kubeconfig)
const id = randomBytes(3).toString('hex')
const namespace = `bench-${id}`
/** The Lease and the pool's admin Secret live apart, so they outlast the tenant namespace. */
const system = `bench-${id}-system`
const label = { 'fjord.dev/bench': id }
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
/** One process's figures of several samples, `a / b / c MiB`. */
const mib = (column: number, ...samples: (readonly (number | undefined)[])[]) =>
  `${samples.map((sample) => sample[column]?.toFixed(0) ?? '?').join(' / ')} MiB`

async function mapLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    }),
  )
}

async function phases(cluster: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  let cont: string | undefined
  do {
    const page = await client.get<KubeList<KafkaTopic>>(collectionPath(KafkaTopics, namespace), {
      query: { labelSelector: `fjord.dev/bench=${id}`, limit: 2000, continue: cont },
    })
    for (const t of page.items) {
      if (t.spec.clusterRef.name !== cluster) continue
      const phase = t.status?.phase ?? 'none'
      counts.set(phase, (counts.get(phase) ?? 0) + 1)
    }
    cont = page.metadata.continue || undefined
  } while (cont)
  return counts
}

async function until(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`)
    await sleep(250)
  }
}

const topic = (cluster: string, name: string): KafkaTopic => ({
  apiVersion,
  kind: 'KafkaTopic',
  metadata: { name, namespace, labels: label },
  spec: { clusterRef: { name: cluster }, partitions: 1 },
})

async function createTopics(cluster: string, names: string[]): Promise<void> {
  await mapLimit(names, 32, (name) =>
    client.request('POST', collectionPath(KafkaTopics, namespace), { body: topic(cluster, name) }),
  )
}

async function main(): Promise<void> {
  await refuseBesideAnotherOperator(client)
  await installCrds(client)
  await apply(client, Namespaces, { metadata: { name: namespace } })
  await apply(client, Namespaces, { metadata: { name: system } })
  await apply(client, Secrets, {
    metadata: { name: 'kafka-admin', namespace: system },
    stringData: { username: env.kafka.admin.username, password: env.kafka.admin.password },
  })
  await apply(client, KafkaPools, {
    metadata: { name: `bench-${id}`, labels: label },
    spec: {
      bootstrapServers: [env.kafka.bootstrapServers],
      saslMechanism: env.kafka.saslMechanism,
      adminCredentialsSecretRef: { name: 'kafka-admin', namespace: system },
      capacity: { maxPartitions: 100_000 },
    },
  })
  const clusters: [string, string][] = [
    ['fast', `bench-${id}`],
    ['parked', 'no-such-pool'],
  ]
  for (const [name, pool] of clusters) {
    await apply(client, KafkaClusters, {
      metadata: { name, namespace, labels: label },
      spec: { type: 'shared', provider: 'shared', poolRef: { name: pool } },
    })
  }
  const operator = spawn(
    process.execPath,
    [
      ...operatorNodeFlags,
      join(import.meta.dirname, '..', 'src', 'main.ts'),
      '--kubeconfig',
      env.kube.kubeconfig,
      '--selector',
      `fjord.dev/bench=${id}`,
      '--lease-namespace',
      namespace,
      '--port',
      '0',
      '--topic-concurrency',
      '256',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  try {
    await until('the cluster to be Ready', async () => {
      const c = await client.get<{ status?: { phase?: string } }>(
        `${collectionPath(KafkaClusters, namespace)}/fast`,
      )
      return c.status?.phase === 'Ready'
    })
    const memory = () => [rssMiB(operator.pid), rssMiB(stackPid('kube-apiserver'))] as const
    const idle = memory()

    const names = Array.from({ length: made }, (_, i) => `t${i}`)
    const started = performance.now()
    await createTopics('fast', names)
    const applied = performance.now()
    await until(
      `${thousands(made)} topics to be Ready`,
      async () => (await phases('fast')).get('Ready') === made,
    )
    const operatorMs = performance.now() - started
    const atMade = memory()

    const admin = new KafkaAdmin({
      bootstrapServers: [env.kafka.bootstrapServers],
      mechanism: env.kafka.saslMechanism,
      username: env.kafka.admin.username,
      password: env.kafka.admin.password,
    })
    const floorNames = names.map((n) => `bench-${id}-floor.${n}`)
    const floorStarted = performance.now()
    const results = await admin.createTopics(
      floorNames.map((name) => ({ name, partitions: 1, replicationFactor: 1, config: {} })),
    )
    const floorMs = performance.now() - floorStarted
    const failed = [...results.values()].filter((r) => !r.ok).length

    await createTopics(
      'parked',
      Array.from({ length: parked }, (_, i) => `p${i}`),
    )
    await until(
      `${thousands(parked)} more topics to be seen`,
      async () => (await phases('parked')).get('Pending') === parked,
    )
    const atAll = memory()

    process.stdout.write(`
bench:operator (${new Date().toISOString()}, ${(await import('node:os')).cpus().length} cores)
  ${thousands(made)} KafkaTopics, apply until all Ready   ${seconds(operatorMs)}  (applying the resources alone: ${seconds(applied - started)})
  one CreateTopics of ${thousands(made)} topics (floor)   ${seconds(floorMs)}${failed ? `  (${failed} failed)` : ''}
  ratio operator / floor                     ${(operatorMs / floorMs).toFixed(2)}
  topics per minute through the operator     ${Math.round(60_000 / (operatorMs / 1000))}
  operator RSS idle / ${thousands(made)} / ${thousands(made + parked)} topics  ${mib(0, idle, atMade, atAll)}  (target < 300 MiB)
  kube-apiserver RSS, the same               ${mib(1, idle, atMade, atAll)}
`)
    await Promise.all(floorNames.map((n) => admin.deleteTopic(n)))
    await admin.close()
  } finally {
    // Deleting the clusters deletes their topics; the operator's finalizers delete the 1,000
    // Kafka topics before the clusters go.
    for (const name of ['fast', 'parked'])
      await deleteObject(client, KafkaClusters, name, namespace)
    await until(
      'the bench clusters to be gone',
      async () =>
        (await client.get<KubeList<unknown>>(collectionPath(KafkaClusters, namespace))).items
          .length === 0,
      300_000,
    ).catch((e: Error) => process.stderr.write(`${e.message}\n`))
    operator.kill('SIGTERM')
    await deleteObject(client, KafkaPools, `bench-${id}`, undefined)
    for (const ns of [namespace, system]) await deleteObject(client, Namespaces, ns, undefined)
    client.close()
  }
}

await main()
