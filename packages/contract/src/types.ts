/**
 * TypeScript types of the custom resources in ../crds/ (group fjord.dev,
 * version v1alpha1). test/crds.test.ts keeps the two in step.
 */

export const group = 'fjord.dev'
export const version = 'v1alpha1'
export const apiVersion = `${group}/${version}`

/** The lifecycle the operator reports in `status.phase`, and the api's rows copy. */
export const phases = [
  'Pending',
  'Provisioning',
  'Ready',
  'Updating',
  'Deleting',
  'Failed',
] as const
export type Phase = (typeof phases)[number]

export type { Condition } from '@fjord/kube/conditions'

import type { Condition } from '@fjord/kube/conditions'

export interface Status {
  phase?: Phase
  observedGeneration?: number
  conditions?: Condition[]
}

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  generation?: number
  resourceVersion?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: string[]
  deletionTimestamp?: string
  creationTimestamp?: string
}

interface Resource<Kind extends string, Spec, S extends Status> {
  apiVersion: typeof apiVersion
  kind: Kind
  metadata: ObjectMeta
  spec: Spec
  status?: S
}

export interface KafkaPoolSpec {
  bootstrapServers: string[]
  securityProtocol?: 'SASL_PLAINTEXT' | 'SASL_SSL'
  saslMechanism?: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN'
  adminCredentialsSecretRef: {
    name: string
    namespace: string
    usernameKey?: string
    passwordKey?: string
  }
  capacity: { maxPartitions: number }
  region?: string
}
export interface KafkaPoolStatus extends Status {
  allocatedPartitions?: number
  clusters?: number
}
export type KafkaPool = Resource<'KafkaPool', KafkaPoolSpec, KafkaPoolStatus>

export interface KafkaClusterSpec {
  type: 'shared' | 'dedicated'
  provider: 'shared' | 'kubernetes' | 'aws-msk'
  region?: string
  /** Every Kafka name of a shared cluster starts with it; defaults to `<namespace>-<name>.`. */
  kafkaPrefix?: string
  poolRef?: { name: string }
  dedicated?: {
    brokers?: number
    /** 0 runs combined broker+controller nodes. */
    controllers?: 0 | 1 | 3 | 5
    storage?: string
    version?: string
    resources?: { cpu?: string; memory?: string }
  }
  msk?: {
    kafkaVersion: string
    instanceType: string
    brokerNodes?: number
    ebsVolumeGiB?: number
    subnetIds: string[]
    securityGroupIds?: string[]
  }
}
export interface KafkaClusterStatus extends Status {
  bootstrapServers?: string
  kafkaPrefix?: string
  pool?: string
  mskClusterArn?: string
}
export type KafkaCluster = Resource<'KafkaCluster', KafkaClusterSpec, KafkaClusterStatus>

export interface ClusterRef {
  name: string
}

export interface KafkaTopicSpec {
  clusterRef: ClusterRef
  /** Name in Kafka without the cluster prefix; defaults to metadata.name. */
  topicName?: string
  partitions: number
  replicationFactor?: number
  config?: Record<string, string>
}
export interface KafkaTopicStatus extends Status {
  topicName?: string
  topicId?: string
  partitions?: number
}
export type KafkaTopic = Resource<'KafkaTopic', KafkaTopicSpec, KafkaTopicStatus>

export type AclResourceType = 'topic' | 'group' | 'transactionalId' | 'cluster'
export type AclOperation =
  | 'All'
  | 'Read'
  | 'Write'
  | 'Create'
  | 'Delete'
  | 'Alter'
  | 'Describe'
  | 'ClusterAction'
  | 'DescribeConfigs'
  | 'AlterConfigs'
  | 'IdempotentWrite'

export interface AclRule {
  resource: { type: AclResourceType; name: string; patternType?: 'literal' | 'prefixed' }
  operations: AclOperation[]
  host?: string
  permission?: 'allow' | 'deny'
}

export interface KafkaUserSpec {
  clusterRef: ClusterRef
  /** Principal name in Kafka without the cluster prefix; defaults to metadata.name. */
  username?: string
  authentication: { type: 'scram-sha-512'; passwordSecretRef: { name: string; key?: string } }
  acls?: AclRule[]
  quotas?: { producerByteRate?: number; consumerByteRate?: number; requestPercentage?: number }
}
export interface KafkaUserStatus extends Status {
  username?: string
  secretResourceVersion?: string
}
export type KafkaUser = Resource<'KafkaUser', KafkaUserSpec, KafkaUserStatus>

export type FjordResource = KafkaPool | KafkaCluster | KafkaTopic | KafkaUser

export const plurals = {
  KafkaPool: 'kafkapools',
  KafkaCluster: 'kafkaclusters',
  KafkaTopic: 'kafkatopics',
  KafkaUser: 'kafkausers',
} as const satisfies Record<FjordResource['kind'], string>
