import { labels } from '@fjord/contract/metadata'
import { apiVersion, type KafkaCluster, type KafkaTopic } from '@fjord/contract/types'
import { describe, expect, test } from 'vitest'
import { byPool, type MeteredTopic, meteredTopics, sampleTime, toSamples } from './samples.ts'

const ids = {
  [labels.orgId]: 'org-1',
  [labels.clusterId]: 'cluster-1',
  [labels.topicId]: 'topic-1',
}

function aTopic(
  overrides: { labels?: Record<string, string>; status?: KafkaTopic['status'] } = {},
  deleting = false,
): KafkaTopic {
  return {
    apiVersion,
    kind: 'KafkaTopic',
    metadata: {
      name: 'orders',
      namespace: 'acme',
      labels: overrides.labels ?? ids,
      ...(deleting ? { deletionTimestamp: '2026-03-01T00:00:00Z' } : {}),
    },
    spec: { clusterRef: { name: 'prod' }, partitions: 3 },
    status: overrides.status ?? { phase: 'Ready', topicName: 'acme-prod.orders' },
  }
}

const aCluster = (pool?: string): KafkaCluster => ({
  apiVersion,
  kind: 'KafkaCluster',
  metadata: { name: 'prod', namespace: 'acme' },
  spec: { type: 'shared', provider: 'shared', poolRef: { name: 'local' } },
  status: { phase: 'Ready', ...(pool ? { pool } : {}) },
})

const target: MeteredTopic = {
  orgId: 'org-1',
  clusterId: 'cluster-1',
  topicId: 'topic-1',
  kafkaName: 'acme-prod.orders',
  pool: 'local',
}

describe('meteredTopics', () => {
  const clusters = (namespace: string, name: string) =>
    namespace === 'acme' && name === 'prod' ? aCluster('local') : undefined

  test('meters a Ready topic with the api ids on a cluster placed on a pool', () => {
    expect(meteredTopics([aTopic()], clusters)).toEqual([target])
  })

  test.each([
    ['without the api ids (made by hand)', aTopic({ labels: {} })],
    ['without its topic id', aTopic({ labels: { ...ids, [labels.topicId]: '' } })],
    ['not Ready', aTopic({ status: { phase: 'Provisioning', topicName: 'acme-prod.orders' } })],
    ['without a Kafka name yet', aTopic({ status: { phase: 'Ready' } })],
    ['being deleted', aTopic({}, true)],
  ])('skips a topic %s', (_, topic) => {
    expect(meteredTopics([topic], clusters)).toEqual([])
  })

  test('skips a topic whose cluster is unknown or not placed on a pool', () => {
    expect(meteredTopics([aTopic()], () => undefined)).toEqual([])
    expect(meteredTopics([aTopic()], () => aCluster())).toEqual([])
  })
})

describe('samples', () => {
  test('stand for the start of their interval', () => {
    const now = new Date('2026-03-01T10:05:42.123Z')
    expect(sampleTime(now, 60_000).toISOString()).toBe('2026-03-01T10:05:00.000Z')
    expect(sampleTime(now, 300_000).toISOString()).toBe('2026-03-01T10:05:00.000Z')
    expect(sampleTime(now, 3_600_000).toISOString()).toBe('2026-03-01T10:00:00.000Z')
  })

  test('carry the ids, the usage and an id made of the topic and the time', () => {
    const at = new Date('2026-03-01T10:05:00Z')
    const usage = new Map([
      ['acme-prod.orders', { partitions: 3, endOffsets: 1234n, storageBytes: 98765n }],
    ])
    const gone = { ...target, topicId: 'topic-2', kafkaName: 'acme-prod.gone' }
    expect(toSamples([target, gone], usage, at)).toEqual([
      {
        id: 'topic-1:2026-03-01T10:05:00.000Z',
        orgId: 'org-1',
        clusterId: 'cluster-1',
        topicId: 'topic-1',
        sampledAt: '2026-03-01T10:05:00.000Z',
        partitions: 3,
        storageBytes: 98765,
        endOffsets: 1234,
      },
    ])
  })

  test('are read per pool', () => {
    const other = { ...target, topicId: 'topic-2', pool: 'eu' }
    const third = { ...target, topicId: 'topic-3' }
    expect([...byPool([target, other, third])]).toEqual([
      ['local', [target, third]],
      ['eu', [other]],
    ])
  })
})
