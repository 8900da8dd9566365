import { channel } from 'node:diagnostics_channel'

/**
 * The stages of a topic's way through the operator, as `node:diagnostics_channel` channels, so
 * a benchmark in the same process can time them (bench:e2e's waterfall). Messages carry names
 * only, no times: the subscriber takes the time as it receives them. Nothing is published
 * without a subscriber, so the product pays nothing for them.
 */
export const operatorChannels = {
  /** `{ key }`: the topic reconciler took a KafkaTopic's key (`namespace/name`) off its queue. */
  topicSeen: 'fjord:operator:topic-seen',
  /** `{ topics }`: the batcher sent one CreateTopics of these Kafka topic names. */
  createTopicsSent: 'fjord:operator:create-topics-sent',
  /** `{ topics }`: Kafka answered that CreateTopics. */
  createTopicsAnswered: 'fjord:operator:create-topics-answered',
} as const

export interface TopicSeen {
  key: string
}

export interface CreateTopicsMessage {
  topics: string[]
}

export const topicSeen = channel(operatorChannels.topicSeen)
export const createTopicsSent = channel(operatorChannels.createTopicsSent)
export const createTopicsAnswered = channel(operatorChannels.createTopicsAnswered)
