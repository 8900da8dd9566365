import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { installCrds } from '@fjord/contract/install'
import { KafkaClusters, KafkaPools, KafkaTopics, KafkaUsers } from '@fjord/contract/resources'
import type { FjordResource } from '@fjord/contract/types'
import { apply } from '@fjord/kube/apply'
import { KubeClient, type KubeObject } from '@fjord/kube/client'
import { Leases, Namespaces, objectPath, Secrets } from '@fjord/kube/resources'
import { type MeteringConfig, operatorNodeFlags } from '@fjord/operator/config'
import { KafkaAdmin } from '@fjord/operator/kafka/admin'
import { startOperator } from '@fjord/operator/main'
import { readStackEnv } from '@fjord/stack/env'
import { vi } from 'vitest'
import { uniqueName } from './names.ts'
import { aPool } from './resources.ts'

export const env = readStackEnv()
export const types = {
  KafkaPool: KafkaPools,
  KafkaCluster: KafkaClusters,
  KafkaTopic: KafkaTopics,
  KafkaUser: KafkaUsers,
}

/** Who holds the operators' leader-election Lease in `namespace`; undefined while nobody does. */
export async function leaseHolder(
  client: KubeClient,
  namespace: string,
): Promise<string | undefined> {
  const lease = await client
    .get<{ spec?: { holderIdentity?: string | null } }>(
      objectPath(Leases, 'fjord-operator', namespace),
    )
    .catch(() => undefined)
  return lease?.spec?.holderIdentity || undefined
}

/** The stack's broker through the operator's own adapter, to check what reconciles did. */
export function stackKafka(): KafkaAdmin {
  return new KafkaAdmin({
    bootstrapServers: [env.kafka.bootstrapServers],
    mechanism: env.kafka.saslMechanism,
    username: env.kafka.admin.username,
    password: env.kafka.admin.password,
  })
}

/**
 * An operator scoped to one label (in this process, or none for tests that run their own as
 * child processes), a namespace for its resources, and a pool on the stack's Kafka (Ready,
 * when the operator runs here): everything one test file needs, torn down by `stop`.
 */
export async function anOperatorWorld({
  inProcess = true,
  metering,
}: {
  inProcess?: boolean
  /** Usage metering of the in-process operator; off when not given. */
  metering?: MeteringConfig
} = {}) {
  const client = KubeClient.fromFile(env.kube.kubeconfig)
  await installCrds(client)
  const shard = uniqueName('shard')
  const labels = { 'fjord.dev/test-shard': shard }
  const namespace = uniqueName('tenant')
  await apply(client, Namespaces, { metadata: { name: namespace } })
  await apply(client, Secrets, {
    metadata: { name: 'kafka-admin', namespace },
    stringData: { username: env.kafka.admin.username, password: env.kafka.admin.password },
  })
  const selector = `fjord.dev/test-shard=${shard}`
  const stop = inProcess
    ? await startOperator({
        kubeconfig: env.kube.kubeconfig,
        installCrds: false,
        leaseNamespace: namespace,
        identity: uniqueName('operator'),
        port: 0,
        topicConcurrency: 64,
        resyncMs: 300_000,
        selector,
        metering,
      })
    : async () => {}
  /** Another replica, as its own process: `npm run operator` with this world's scope. */
  const spawnOperator = (identity: string): ChildProcess =>
    spawn(
      process.execPath,
      [
        ...operatorNodeFlags,
        createRequire(import.meta.url).resolve('@fjord/operator/main'),
        ...[
          '--kubeconfig',
          env.kube.kubeconfig,
          '--selector',
          selector,
          '--lease-namespace',
          namespace,
        ],
        ...['--identity', identity, '--port', '0'],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    )
  /** Applies the resource's spec as the test's own field manager, with the shard label. */
  const create = async <R extends FjordResource>(resource: R): Promise<R> => {
    const { name, annotations } = resource.metadata
    const metadata = {
      name,
      labels: { ...resource.metadata.labels, ...labels },
      ...(annotations ? { annotations } : {}),
      ...(resource.kind === 'KafkaPool'
        ? {}
        : { namespace: resource.metadata.namespace ?? namespace }),
    }
    const body = { metadata, spec: resource.spec }
    return apply(client, types[resource.kind], body, {
      fieldManager: 'fjord-test',
    }) as unknown as Promise<R>
  }
  const get = <R extends FjordResource>(resource: R) =>
    client.get<R & KubeObject>(
      objectPath(
        types[resource.kind],
        resource.metadata.name,
        resource.kind === 'KafkaPool' ? undefined : (resource.metadata.namespace ?? namespace),
      ),
    )
  const pool = await create(
    aPool({
      bootstrapServers: [env.kafka.bootstrapServers],
      saslMechanism: env.kafka.saslMechanism,
      adminCredentialsSecretRef: { name: 'kafka-admin', namespace },
    }),
  )
  if (inProcess) await untilPhase(get, pool, 'Ready')
  return { client, namespace, labels, pool, create, get, spawnOperator, stop: async () => stop() }
}

type Getter = <R extends FjordResource>(resource: R) => Promise<R & KubeObject>

/**
 * Waits until the resource reaches `phase` (for at least `generation`, when given) and returns
 * it; a failure names the last status seen.
 */
export async function untilPhase<R extends FjordResource>(
  get: Getter,
  resource: R,
  phase: string,
  { generation = 0, timeout = 30_000 }: { generation?: number; timeout?: number } = {},
) {
  return vi.waitFor(
    async () => {
      const current = await get(resource)
      if (
        current.status?.phase !== phase ||
        (current.status.observedGeneration ?? 0) < generation
      ) {
        throw new Error(
          `${resource.kind} ${resource.metadata.name} is not ${phase} at generation ${generation}: ${JSON.stringify(current.status ?? {})}`,
        )
      }
      return current
    },
    { timeout, interval: 200 },
  )
}
