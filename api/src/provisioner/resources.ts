import { annotations, createdByFjord, labels } from '@fjord/contract/metadata'
import {
  passwordSecretKey,
  passwordSecretName,
  topicResourceName,
  userResourceName,
} from '@fjord/contract/naming'
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
 * from its id), one KafkaCluster, KafkaTopic and KafkaUser per cluster, topic and service
 * account, named and labelled as `@fjord/contract` says.
 * Every object carries the ids of its rows, so the status watcher and the operator's metering
 * can find their way back, and the generation it was made from, so an older generation is
 * never applied over a newer one.
 */

/** The field manager of everything the api writes; the operator writes as fjord-operator. */
export const fieldManager = 'fjord-api'

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

/** The org's namespace as Fjord creates it: its name and display name ride along for people. */
export function namespaceObject(org: Org & { displayName: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: org.namespace,
      labels: { ...createdByFjord(org.id), [labels.org]: org.name },
      annotations: { [annotations.orgDisplayName]: org.displayName },
    },
  }
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
    labels: { ...createdByFjord(org.id), ...ids },
    annotations: { [annotations.generation]: String(generation) },
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
        passwordSecretRef: {
          name: passwordSecretName(cluster, account),
          key: passwordSecretKey,
        },
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
      labels: { ...createdByFjord(org.id), [labels.kafkaUser]: userResourceName(cluster, account) },
      annotations: { [annotations.credentialId]: credentialId },
    },
    type: 'Opaque',
    stringData: { [passwordSecretKey]: password },
  }
}
