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
  partitions: number
  replicationFactor: number
  config: ActualConfig[]
}

export type Refusal = {
  reason: 'PartitionDecreaseRefused' | 'ReplicationFactorChangeRefused' | 'TopicRenameRefused'
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
  | { kind: 'refuse'; refusals: Refusal[] }
  | { kind: 'none' }

/**
 * Compares a desired topic with what Kafka has. Decreasing partitions, changing the
 * replication factor and renaming are refused, never attempted. A config the topic does not
 * ask for is reset only when it was set on the topic: broker defaults are not drift.
 */
export function planTopic(
  desired: DesiredTopic,
  actual: ActualTopic | undefined,
  previousName?: string,
): TopicPlan {
  const refusals: Refusal[] = []
  if (previousName !== undefined && previousName !== desired.name) {
    refusals.push({
      reason: 'TopicRenameRefused',
      message: `the topic is ${previousName} in Kafka; Kafka cannot rename topics, so ${desired.name} is refused (create a new KafkaTopic instead)`,
    })
  }
  if (actual === undefined) {
    return refusals.length > 0 ? { kind: 'refuse', refusals } : { kind: 'create', topic: desired }
  }
  if (desired.partitions < actual.partitions) {
    refusals.push({
      reason: 'PartitionDecreaseRefused',
      message: `the topic has ${actual.partitions} partitions; Kafka cannot remove partitions, so ${desired.partitions} is refused`,
    })
  }
  if (desired.replicationFactor !== actual.replicationFactor) {
    refusals.push({
      reason: 'ReplicationFactorChangeRefused',
      message: `the topic has replication factor ${actual.replicationFactor}; changing it to ${desired.replicationFactor} needs a partition reassignment, which Fjord does not do`,
    })
  }
  if (refusals.length > 0) return { kind: 'refuse', refusals }

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
