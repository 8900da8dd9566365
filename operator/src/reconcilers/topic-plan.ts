import { annotations } from '@fjord/contract/metadata'
import { reasons } from '@fjord/contract/reasons'
/** What a KafkaTopic asks of Kafka, with the cluster prefix already applied. */
export interface DesiredTopic {
  name: string
  partitions: number
  replicationFactor: number
  config: Record<string, string>
}

/** A topic config as the broker describes it. */
export interface ActualConfig {
  name: string
  value: string | null
  /** Set on the topic itself; anything else is a broker or built-in default. */
  dynamic: boolean
}

export interface ActualTopic {
  name: string
  /** Kafka's id of this incarnation of the name: a topic deleted and made again gets a new one. */
  topicId: string
  partitions: number
  replicationFactor: number
  config: ActualConfig[]
}

/** The Kafka topic Fjord created for a KafkaTopic, as Kafka identified it. */
export interface TopicRecord {
  /** As `canonicalTopicId` gives it, when `recordOf` read it. */
  topicId: string
  /** Its name in Kafka, when known. */
  name?: string
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A topic id in the UUID form the protocol client uses, or undefined when it is not a topic
 * id. Kafka's own tools print ids as unpadded URL-safe base64 (`kafka-topics --describe`),
 * which an admin may paste; both forms work.
 */
export function canonicalTopicId(id: string): string | undefined {
  const trimmed = id.trim()
  if (uuidPattern.test(trimmed)) return trimmed.toLowerCase()
  if (!/^[A-Za-z0-9_-]{22}$/.test(trimmed)) return undefined
  const hex = Buffer.from(trimmed, 'base64url').toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * What a KafkaTopic recorded of the topic Fjord created, in its `kafkaTopicId` and
 * `kafkaName` annotations. KafkaTopics of operators before the annotation have only
 * `status.topicId`, written once Ready: it counts too, because a topic is Fjord's only while
 * its current id equals the record (see `planTopic`).
 */
export function recordOf(topic: {
  metadata: { annotations?: Record<string, string> }
  status?: { topicId?: string; topicName?: string }
}): TopicRecord | undefined {
  const found = topic.metadata.annotations ?? {}
  const recorded = found[annotations.kafkaTopicId] ?? topic.status?.topicId
  const topicId = recorded === undefined ? undefined : canonicalTopicId(recorded)
  if (topicId === undefined) return undefined
  const name = found[annotations.kafkaName] ?? topic.status?.topicName
  return { topicId, ...(name === undefined ? {} : { name }) }
}

/** Whether the topic Kafka has now is the very one Fjord created. */
export function owns(record: TopicRecord | undefined, actual: { topicId: string }): boolean {
  const id = canonicalTopicId(actual.topicId)
  return record !== undefined && id !== undefined && canonicalTopicId(record.topicId) === id
}

/** Why a topic Kafka has is not Fjord's; Fjord leaves such a topic as it is. */
export function outsideFjordMessage(name: string, record?: TopicRecord, actualId?: string): string {
  return record && actualId
    ? `Kafka's topic ${name} has id ${actualId}, not ${record.topicId}, the id of the topic Fjord created: Fjord did not create this one, and it is left as it is`
    : `Kafka already has a topic ${name} that Fjord did not create; it is left as it is`
}

export type Refusal = {
  reason:
    | typeof reasons.PartitionDecreaseRefused
    | typeof reasons.ReplicationFactorChangeRefused
    | typeof reasons.TopicRenameRefused
  message: string
}

export type TopicPlan =
  | { kind: 'create'; topic: DesiredTopic }
  | {
      kind: 'update'
      /** New partition count, when it grows. */
      partitions?: number
      set: Record<string, string>
      reset: string[]
    }
  | { kind: 'refuse'; refusals: [Refusal, ...Refusal[]] }
  /** Kafka has a topic of this name that Fjord did not create: hands off. */
  | { kind: 'foreign'; message: string }
  | { kind: 'none' }

/**
 * Compares a desired topic with what Kafka has and what Fjord recorded creating. A topic
 * whose id is not the recorded one is someone else's and is never touched. Decreasing
 * partitions, changing the replication factor and renaming are refused, never attempted. A
 * config the topic does not ask for is reset only when it was set on the topic: broker
 * defaults are not drift.
 */
export function planTopic(
  desired: DesiredTopic,
  actual: ActualTopic | undefined,
  record?: TopicRecord,
): TopicPlan {
  if (record?.name !== undefined && record.name !== desired.name) {
    // Whatever has the new name, it is not the topic this resource made.
    return {
      kind: 'refuse',
      refusals: [
        {
          reason: reasons.TopicRenameRefused,
          message: `the topic is ${record.name} in Kafka; Kafka cannot rename topics, so ${desired.name} is refused (create a new KafkaTopic instead)`,
        },
      ],
    }
  }
  if (actual === undefined) return { kind: 'create', topic: desired }
  if (!owns(record, actual)) {
    return { kind: 'foreign', message: outsideFjordMessage(desired.name, record, actual.topicId) }
  }
  const refusals: Refusal[] = []
  if (desired.partitions < actual.partitions) {
    refusals.push({
      reason: reasons.PartitionDecreaseRefused,
      message: `the topic has ${actual.partitions} partitions; Kafka cannot remove partitions, so ${desired.partitions} is refused`,
    })
  }
  if (desired.replicationFactor !== actual.replicationFactor) {
    refusals.push({
      reason: reasons.ReplicationFactorChangeRefused,
      message: `the topic has replication factor ${actual.replicationFactor}; changing it to ${desired.replicationFactor} needs a partition reassignment, which Fjord does not do`,
    })
  }
  const [first, ...more] = refusals
  if (first) return { kind: 'refuse', refusals: [first, ...more] }

  const byName = new Map(actual.config.map((c) => [c.name, c]))
  const set: Record<string, string> = {}
  for (const [name, value] of Object.entries(desired.config)) {
    if (byName.get(name)?.value !== value) set[name] = value
  }
  const reset = actual.config
    .filter((c) => c.dynamic && !(c.name in desired.config))
    .map((c) => c.name)
    .sort()
  const partitions = desired.partitions > actual.partitions ? desired.partitions : undefined
  if (partitions === undefined && Object.keys(set).length === 0 && reset.length === 0)
    return { kind: 'none' }
  return { kind: 'update', ...(partitions === undefined ? {} : { partitions }), set, reset }
}
