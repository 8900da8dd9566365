import { createHash } from 'node:crypto'
import type {
  AclOperation,
  AclRule,
  KafkaCluster,
  KafkaTopic,
  KafkaUser,
} from '@fjord/contract/types'
import { apiVersion } from '@fjord/contract/types'
import type { Acl, clusters, serviceAccounts, topics } from '../db/schema/index.ts'
import type { QuotaLimits } from '../quota/limits.ts'

/**
 * How the desired state in Postgres becomes custom resources: one namespace per org (named
 * from its id, see `orgNamespaceName`), one KafkaCluster, KafkaTopic and KafkaUser per cluster,
 * topic and service account.
 * Every object carries the ids of its rows, so the status watcher and the operator's metering
 * can find their way back, and the generation it was made from, so an older generation is
 * never applied over a newer one.
 */
export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  orgId: 'fjord.dev/org-id',
  org: 'fjord.dev/org',
  clusterId: 'fjord.dev/cluster-id',
  topicId: 'fjord.dev/topic-id',
  serviceAccountId: 'fjord.dev/service-account-id',
} as const
export const managedBy = 'fjord-api'
/** The field manager of everything the api writes; the operator writes as fjord-operator. */
export const fieldManager = 'fjord-api'
export const generationAnnotation = 'fjord.dev/generation'
export const displayNameAnnotation = 'fjord.dev/org-display-name'
export const credentialAnnotation = 'fjord.dev/credential-id'
/** The operator's label tying a password Secret to its KafkaUser. */
export const passwordSecretLabel = 'fjord.dev/kafka-user'

/** A label selector for exactly the given labels (and `also`, present with any value). */
export function selectorOf(resourceLabels: Record<string, string> = {}, also: string[] = []) {
  return [...also, ...Object.entries(resourceLabels).map(([k, v]) => `${k}=${v}`)].join(',')
}

type ClusterRow = typeof clusters.$inferSelect
type TopicRow = typeof topics.$inferSelect
type ServiceAccountRow = typeof serviceAccounts.$inferSelect
interface Org {
  id: string
  name: string
  namespace: string
}

export interface Applied<T> {
  object: T & { metadata: { name: string; namespace: string } }
  generation: number
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/**
 * A Kubernetes name for parts that may not make one (a Kafka topic may hold capitals and
 * '_'): the parts joined by '.' when that is a valid name of at most `max` characters, else a
 * lowercased, trimmed form with a hash of the original so that distinct parts stay distinct.
 */
export function kubeName(parts: string[], max: number): string {
  const joined = parts.join('.')
  if (joined.length <= max && dnsSubdomain.test(joined)) return joined
  const hash = createHash('sha256').update(joined).digest('hex').slice(0, 10)
  const cleaned = joined
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .slice(0, max - hash.length - 1)
    .replace(/[^a-z0-9]+$/, '')
  return `${cleaned.replace(/^[^a-z0-9]+/, '')}-${hash}`
}

/**
 * The namespace of a new org. A name a user picks (`monitoring`, `cert-manager`) may be a
 * namespace of the platform's, so the name comes from the org's id; the org row keeps it.
 */
export function orgNamespaceName(orgId: string): string {
  return `fjord-org-${orgId}`
}

/** The org's namespace as Fjord creates it: its name and display name ride along for people. */
export function namespaceObject(org: Org & { displayName: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: org.namespace,
      labels: { [labels.managedBy]: managedBy, [labels.orgId]: org.id, [labels.org]: org.name },
      annotations: { [displayNameAnnotation]: org.displayName },
    },
  }
}

/** Fjord made this object for this org: only then may it change or delete it. */
export function ownedBy(
  object: { metadata: { labels?: Record<string, string> } },
  orgId: string,
): boolean {
  const found = object.metadata.labels ?? {}
  return found[labels.managedBy] === managedBy && found[labels.orgId] === orgId
}

function metadata(
  org: Org,
  name: string,
  generation: number,
  ids: Record<string, string>,
): KafkaCluster['metadata'] & { namespace: string; labels: Record<string, string> } {
  return {
    name,
    namespace: org.namespace,
    labels: { [labels.managedBy]: managedBy, [labels.orgId]: org.id, ...ids },
    annotations: { [generationAnnotation]: String(generation) },
  }
}

export function clusterResource(org: Org, cluster: ClusterRow, pool: string | undefined) {
  const spec: KafkaCluster['spec'] = {
    type: cluster.type as KafkaCluster['spec']['type'],
    provider: cluster.provider as KafkaCluster['spec']['provider'],
    region: cluster.region,
    ...(cluster.type === 'shared' ? { kafkaPrefix: cluster.kafkaPrefix } : {}),
    ...(pool ? { poolRef: { name: pool } } : {}),
  }
  return {
    apiVersion,
    kind: 'KafkaCluster',
    metadata: metadata(org, cluster.name, cluster.generation, {
      [labels.clusterId]: cluster.id,
    }),
    spec,
  } satisfies KafkaCluster
}

export function topicResourceName(cluster: { name: string }, topic: { name: string }): string {
  return kubeName([cluster.name, topic.name], 253)
}

export function topicResource(org: Org, cluster: ClusterRow, topic: TopicRow) {
  return {
    apiVersion,
    kind: 'KafkaTopic',
    metadata: metadata(org, topicResourceName(cluster, topic), topic.generation, {
      [labels.clusterId]: cluster.id,
      [labels.topicId]: topic.id,
    }),
    spec: {
      clusterRef: { name: cluster.name },
      topicName: topic.name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      config: topic.config,
    },
  } satisfies KafkaTopic
}

// Label values hold at most 63 characters, and the password Secret's label names the user.
export function userResourceName(cluster: { name: string }, account: { name: string }): string {
  return kubeName([cluster.name, account.name], 63)
}

export function passwordSecretName(cluster: { name: string }, account: { name: string }): string {
  return `${userResourceName(cluster, account)}.password`
}

const operationNames: Record<string, AclOperation> = {
  all: 'All',
  read: 'Read',
  write: 'Write',
  create: 'Create',
  delete: 'Delete',
  alter: 'Alter',
  describe: 'Describe',
  describeConfigs: 'DescribeConfigs',
  alterConfigs: 'AlterConfigs',
}

export function aclRules(acls: Acl[]): AclRule[] {
  return acls.map((acl) => ({
    resource: { type: acl.resourceType, name: acl.name, patternType: acl.patternType },
    operations: acl.operations.map((operation) => {
      const name = operationNames[operation]
      if (!name) throw new Error(`unknown ACL operation ${operation}`)
      return name
    }),
  }))
}

/** The org's plan byte rates become the Kafka client quotas of each of its principals. */
export function userResource(
  org: Org,
  cluster: ClusterRow,
  account: ServiceAccountRow,
  limits: Pick<QuotaLimits, 'ingressBytesPerSecond' | 'egressBytesPerSecond'>,
) {
  return {
    apiVersion,
    kind: 'KafkaUser',
    metadata: metadata(org, userResourceName(cluster, account), account.generation, {
      [labels.clusterId]: cluster.id,
      [labels.serviceAccountId]: account.id,
    }),
    spec: {
      clusterRef: { name: cluster.name },
      username: account.name,
      authentication: {
        type: 'scram-sha-512',
        passwordSecretRef: { name: passwordSecretName(cluster, account), key: 'password' },
      },
      acls: aclRules(account.acls),
      quotas: {
        producerByteRate: limits.ingressBytesPerSecond,
        consumerByteRate: limits.egressBytesPerSecond,
      },
    },
  } satisfies KafkaUser
}

export function passwordSecret(
  org: Org,
  cluster: { name: string },
  account: { name: string },
  credentialId: string,
  password: string,
) {
  return {
    metadata: {
      name: passwordSecretName(cluster, account),
      namespace: org.namespace,
      labels: {
        [labels.managedBy]: managedBy,
        [labels.orgId]: org.id,
        [passwordSecretLabel]: userResourceName(cluster, account),
      },
      annotations: { [credentialAnnotation]: credentialId },
    },
    type: 'Opaque',
    stringData: { password },
  }
}
