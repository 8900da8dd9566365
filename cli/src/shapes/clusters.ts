import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']

export const clusterShape: Shape<Schemas['Cluster']> = {
  fields: {
    name: (cluster) => cluster.name,
    type: (cluster) => cluster.type,
    provider: (cluster) => cluster.provider,
    region: (cluster) => cluster.region,
    description: (cluster) => cluster.description,
    phase: (cluster) => cluster.status.phase,
    kafkaPrefix: (cluster) => cluster.kafkaPrefix,
    bootstrapServers: (cluster) => cluster.bootstrapServers,
    createdAt: (cluster) => cluster.createdAt,
  },
  columns: ['name', 'type', 'region', 'phase', 'bootstrapServers'],
}

export const topicShape: Shape<Schemas['Topic']> = {
  fields: {
    name: (topic) => topic.name,
    cluster: (topic) => topic.cluster,
    kafkaName: (topic) => topic.kafkaName,
    partitions: (topic) => topic.partitions,
    replicationFactor: (topic) => topic.replicationFactor,
    config: (topic) => topic.config,
    phase: (topic) => topic.status.phase,
    createdAt: (topic) => topic.createdAt,
  },
  columns: ['name', 'partitions', 'replicationFactor', 'phase', 'config'],
}
