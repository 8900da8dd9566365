import { labels } from '@fjord/contract/metadata'
import type { KafkaCluster, KafkaTopic } from '@fjord/contract/types'
import type { TopicUsage } from '../kafka/admin.ts'

/** A topic to meter: the api's ids, its name in Kafka and the pool it lives on. */
export interface MeteredTopic {
  orgId: string
  clusterId: string
  topicId: string
  kafkaName: string
  pool: string
}

/** What the api's POST /internal/v1/usage-samples takes, one per topic and sample time. */
export interface UsageSample {
  id: string
  orgId: string
  clusterId: string
  topicId: string
  sampledAt: string
  partitions: number
  storageBytes: number
  endOffsets: number
}

/**
 * The Ready KafkaTopics that carry the api's ids, on a cluster placed on a pool. A topic made
 * by hand has no ids and is not metered; one being deleted no longer is.
 */
export function meteredTopics(
  topics: KafkaTopic[],
  clusterOf: (namespace: string, name: string) => KafkaCluster | undefined,
): MeteredTopic[] {
  return topics.flatMap((topic) => {
    const found = topic.metadata.labels ?? {}
    const [orgId, clusterId, topicId] = [labels.orgId, labels.clusterId, labels.topicId].map(
      (label) => found[label],
    )
    const kafkaName = topic.status?.topicName
    const pool = clusterOf(topic.metadata.namespace ?? '', topic.spec.clusterRef.name)?.status?.pool
    if (!orgId || !clusterId || !topicId || !kafkaName || !pool) return []
    if (topic.status?.phase !== 'Ready' || topic.metadata.deletionTimestamp) return []
    return [{ orgId, clusterId, topicId, kafkaName, pool }]
  })
}

/**
 * The time a sample stands for: the start of its interval. Every sampling within one interval
 * (a retry, a restarted or a new leader) gets the same time, hence the same id.
 */
export function sampleTime(now: Date, intervalMs: number): Date {
  return new Date(Math.floor(now.getTime() / intervalMs) * intervalMs)
}

/**
 * One sample per topic Kafka answered for; a topic it did not (deleted meanwhile) has none.
 * The id is the topic and the time, so the api recognises a sample sent twice.
 */
export function toSamples(
  topics: MeteredTopic[],
  usage: ReadonlyMap<string, TopicUsage>,
  at: Date,
): UsageSample[] {
  const sampledAt = at.toISOString()
  return topics.flatMap(({ orgId, clusterId, topicId, kafkaName }) => {
    const found = usage.get(kafkaName)
    if (!found) return []
    return [
      {
        id: `${topicId}:${sampledAt}`,
        orgId,
        clusterId,
        topicId,
        sampledAt,
        partitions: found.partitions,
        storageBytes: Number(found.storageBytes),
        endOffsets: Number(found.endOffsets),
      },
    ]
  })
}

/** Groups topics by the pool they live on: one set of Kafka requests per pool. */
export function byPool(topics: MeteredTopic[]): Map<string, MeteredTopic[]> {
  const pools = new Map<string, MeteredTopic[]>()
  for (const topic of topics) {
    const same = pools.get(topic.pool)
    if (same) same.push(topic)
    else pools.set(topic.pool, [topic])
  }
  return pools
}
