import { readyCondition, reasons } from '@fjord/contract/reasons'
import {
  apiVersion,
  type KafkaCluster,
  type KafkaClusterSpec,
  type KafkaPool,
  type KafkaPoolSpec,
  type KafkaTopic,
  type KafkaTopicSpec,
  type KafkaUser,
  type KafkaUserSpec,
  type Status,
} from '@fjord/contract/types'
import { uniqueName } from './names.ts'

export function aPool(spec: Partial<KafkaPoolSpec> = {}, name = uniqueName('pool')): KafkaPool {
  return {
    apiVersion,
    kind: 'KafkaPool',
    metadata: { name },
    spec: {
      bootstrapServers: ['127.0.0.1:19092'],
      adminCredentialsSecretRef: { name: 'kafka-admin', namespace: 'fjord-system' },
      capacity: { maxPartitions: 1000 },
      ...spec,
    },
  }
}

export function aSharedCluster(
  pool: string,
  name = uniqueName('cluster'),
  spec: Partial<KafkaClusterSpec> = {},
): KafkaCluster {
  return {
    apiVersion,
    kind: 'KafkaCluster',
    metadata: { name },
    spec: { type: 'shared', provider: 'shared', poolRef: { name: pool }, ...spec },
  }
}

export function aTopic(
  cluster: string,
  spec: Partial<KafkaTopicSpec> = {},
  name = uniqueName('topic'),
): KafkaTopic {
  return {
    apiVersion,
    kind: 'KafkaTopic',
    metadata: { name },
    spec: { clusterRef: { name: cluster }, partitions: 1, ...spec },
  }
}

export function aUser(
  cluster: string,
  secret: string,
  spec: Partial<KafkaUserSpec> = {},
  name = uniqueName('user'),
): KafkaUser {
  return {
    apiVersion,
    kind: 'KafkaUser',
    metadata: { name },
    spec: {
      clusterRef: { name: cluster },
      authentication: { type: 'scram-sha-512', passwordSecretRef: { name: secret } },
      ...spec,
    },
  }
}

const allStatus: Status = {
  phase: 'Ready',
  observedGeneration: 1,
  conditions: [
    {
      type: readyCondition,
      status: 'True',
      reason: reasons.Reconciled,
      message: 'in sync',
      lastTransitionTime: '2026-01-01T00:00:00Z',
      observedGeneration: 1,
    },
  ],
}

/**
 * Resources that between them set every field of each kind's schema, spec and status; each
 * one valid on its own.
 */
export const everyField = {
  KafkaPool: [
    {
      ...aPool({
        securityProtocol: 'SASL_PLAINTEXT',
        saslMechanism: 'SCRAM-SHA-512',
        adminCredentialsSecretRef: {
          name: 'a',
          namespace: 'b',
          usernameKey: 'u',
          passwordKey: 'p',
        },
        region: 'local',
      }),
      status: { ...allStatus, allocatedPartitions: 3, clusters: 1 },
    } satisfies KafkaPool,
  ],
  KafkaCluster: [
    {
      ...aSharedCluster('pool', uniqueName('cluster'), { region: 'local', kafkaPrefix: 'acme-c.' }),
      status: {
        ...allStatus,
        bootstrapServers: '127.0.0.1:19092',
        kafkaPrefix: 'ns-c.',
        pool: 'pool',
      },
    } satisfies KafkaCluster,
    {
      ...aSharedCluster('pool', uniqueName('cluster')),
      spec: {
        type: 'dedicated',
        provider: 'aws-msk',
        region: 'eu-west-1',
        dedicated: {
          brokers: 3,
          controllers: 3,
          storage: '10Gi',
          version: '4.1.1',
          resources: { cpu: '1', memory: '2Gi' },
        },
        msk: {
          kafkaVersion: '3.9.x',
          instanceType: 'kafka.m7g.large',
          brokerNodes: 3,
          ebsVolumeGiB: 100,
          subnetIds: ['subnet-a', 'subnet-b'],
          securityGroupIds: ['sg-a'],
        },
      },
      status: {
        ...allStatus,
        bootstrapServers: 'b-1:9096',
        mskClusterArn: 'arn:aws:kafka:eu-west-1:1:cluster/c/1',
      },
    } satisfies KafkaCluster,
  ],
  KafkaTopic: [
    {
      ...aTopic('cluster', {
        topicName: 'orders',
        partitions: 3,
        replicationFactor: 1,
        config: { 'retention.ms': '604800000' },
      }),
      status: { ...allStatus, topicName: 'ns-cluster.orders', topicId: 'abc', partitions: 3 },
    } satisfies KafkaTopic,
  ],
  KafkaUser: [
    {
      ...aUser('cluster', 'secret', {
        username: 'app',
        authentication: {
          type: 'scram-sha-512',
          passwordSecretRef: { name: 'secret', key: 'password' },
        },
        acls: [
          {
            resource: { type: 'topic', name: 'orders', patternType: 'prefixed' },
            operations: ['Read', 'Describe'],
            host: '*',
            permission: 'allow',
          },
        ],
        quotas: { producerByteRate: 1048576, consumerByteRate: 2097152, requestPercentage: 100 },
      }),
      status: { ...allStatus, username: 'ns-cluster.app', secretResourceVersion: '42' },
    } satisfies KafkaUser,
  ],
}
