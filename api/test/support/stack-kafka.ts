import '@fjord/kafka/connection-errors'
import { installCrds } from '@fjord/contract/install'
import { KafkaPools } from '@fjord/contract/resources'
import { apply } from '@fjord/kube/apply'
import { KubeClient } from '@fjord/kube/client'
import { Namespaces, Secrets } from '@fjord/kube/resources'
import { readStackEnv } from '@fjord/stack/env'
import type { TestApi } from '@fjord/testing/api'
import { uniqueName } from '@fjord/testing/names'
import { type Tenant, withCluster, withTopic } from '@fjord/testing/tenants'
import { Admin } from '@platformatic/kafka'
import { and, eq } from 'drizzle-orm'
import { clusters } from '../../src/db/schema/index.ts'

// Routes that ask Kafka (consumer groups) without an operator or a provisioner: a cluster
// placed by hand on the stack's Kafka, registered as a pool of fixed name (so that runs do
// not pile pools up); no operator selects it, as it has no test-shard label.

const env = readStackEnv()
const pool = 'route-matrix-stack-kafka'
const namespace = 'fjord-test-route-matrix'
let registered: Promise<void> | undefined

function registerStackPool(): Promise<void> {
  registered ??= (async () => {
    const kube = KubeClient.fromFile(env.kube.kubeconfig)
    try {
      await installCrds(kube)
      await apply(kube, Namespaces, { metadata: { name: namespace } })
      await apply(kube, Secrets, {
        metadata: { name: 'kafka-admin', namespace },
        stringData: { username: env.kafka.admin.username, password: env.kafka.admin.password },
      })
      await apply(kube, KafkaPools, {
        metadata: { name: pool },
        spec: {
          bootstrapServers: [env.kafka.bootstrapServers],
          saslMechanism: env.kafka.saslMechanism,
          adminCredentialsSecretRef: { name: 'kafka-admin', namespace },
          capacity: { maxPartitions: 1 },
        },
      })
    } finally {
      kube.close()
    }
  })()
  return registered
}

/** A cluster of the tenant on the stack's Kafka, as the provisioner would have placed it. */
export async function withClusterOnStackKafka(api: TestApi, tenant: Tenant): Promise<string> {
  const cluster = await withCluster(api, tenant)
  await registerStackPool()
  await api.database.db
    .update(clusters)
    .set({ pool })
    .where(and(eq(clusters.orgId, tenant.orgId), eq(clusters.name, cluster)))
  return cluster
}

function stackAdmin() {
  return new Admin({
    clientId: 'fjord-route-matrix',
    bootstrapBrokers: [env.kafka.bootstrapServers],
    sasl: {
      mechanism: env.kafka.saslMechanism,
      username: env.kafka.admin.username,
      password: env.kafka.admin.password,
    },
  })
}

/** Such a cluster with a topic the api knows (Pending: no provisioner) made in Kafka by hand. */
export async function withTopicOnStackKafka(api: TestApi, tenant: Tenant) {
  const cluster = await withClusterOnStackKafka(api, tenant)
  const topic = await withTopic(api, tenant, cluster)
  const admin = stackAdmin()
  try {
    await admin.createTopics({
      topics: [`${tenant.org}-${cluster}.${topic}`],
      partitions: 1,
      replicas: 1,
    })
  } finally {
    await admin.close()
  }
  return { cluster, topic }
}

/** A topic of the tenant's (first) cluster that the api knows and Kafka does not. */
export async function aTopicNotInKafka(api: TestApi, tenant: Tenant): Promise<string> {
  const [cluster] = await api.database.db
    .select({ name: clusters.name })
    .from(clusters)
    .where(eq(clusters.orgId, tenant.orgId))
  if (!cluster) throw new Error('the tenant has no cluster')
  return withTopic(api, tenant, cluster.name)
}

/** Such a cluster with a topic in Kafka, and a group (no members) that committed offset 0 on it. */
export async function withGroupOnStackKafka(api: TestApi, tenant: Tenant) {
  const cluster = await withClusterOnStackKafka(api, tenant)
  const prefix = `${tenant.org}-${cluster}.`
  const topic = uniqueName('t')
  const group = uniqueName('g')
  const admin = stackAdmin()
  try {
    await admin.createTopics({ topics: [prefix + topic], partitions: 1, replicas: 1 })
    await admin.alterConsumerGroupOffsets({
      groupId: prefix + group,
      topics: [{ name: prefix + topic, partitionOffsets: [{ partition: 0, offset: 0n }] }],
    })
  } finally {
    await admin.close()
  }
  return { cluster, topic, group }
}
