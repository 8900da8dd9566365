import type { TopicSpecInput } from '../resources/topics.ts'

const hour = 60 * 60 * 1000
const day = 24 * hour

export interface TopicPreset {
  id: string
  title: string
  description: string
  spec: Required<Pick<TopicSpecInput, 'partitions' | 'config'>>
}

// Starting points for the console and the CLI; every value stays within the free plan.
export const topicPresets: TopicPreset[] = [
  {
    id: 'event-log',
    title: 'Event log / audit trail',
    description:
      'Business events (orders, payments) or an audit trail, replayed by several consumers',
    spec: { partitions: 6, config: { 'cleanup.policy': 'delete', 'retention.ms': 7 * day } },
  },
  {
    id: 'iot-stream',
    title: 'IoT stream',
    description: 'Many small device readings, high throughput, short retention',
    spec: {
      partitions: 12,
      config: { 'retention.ms': day, 'compression.type': 'lz4', 'max.message.bytes': 65_536 },
    },
  },
  {
    id: 'logs',
    title: 'Logs',
    description: 'Application logs shipped for search and alerting',
    spec: { partitions: 6, config: { 'retention.ms': 3 * day, 'compression.type': 'zstd' } },
  },
  {
    id: 'cdc',
    title: 'CDC / ETL',
    description: 'Change data capture keyed by primary key; the latest row wins',
    spec: {
      partitions: 6,
      config: {
        'cleanup.policy': 'compact',
        'min.compaction.lag.ms': hour,
        'min.insync.replicas': 1,
      },
    },
  },
  {
    id: 'notifications',
    title: 'Notifications',
    description: 'Low-volume messages to fan out to users, kept one day',
    spec: { partitions: 3, config: { 'retention.ms': day } },
  },
  {
    id: 'microservice-events',
    title: 'Microservice events',
    description: 'Commands and domain events between services, keyed by entity for ordering',
    spec: {
      partitions: 6,
      config: { 'cleanup.policy': 'delete', 'retention.ms': 3 * day, 'compression.type': 'lz4' },
    },
  },
]
