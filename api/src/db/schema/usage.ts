import {
  bigint,
  bigserial,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core'
import { clusters, topics } from './kafka.ts'
import { organizations } from './orgs.ts'

function usageMetrics() {
  return {
    partitions: integer().notNull().default(0),
    storageBytes: bigint({ mode: 'number' }).notNull().default(0),
    messagesIn: bigint({ mode: 'number' }).notNull().default(0),
    bytesIn: bigint({ mode: 'number' }).notNull().default(0),
    bytesOut: bigint({ mode: 'number' }).notNull().default(0),
  }
}

function usageScope() {
  return {
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    // Null for a cluster-wide figure.
    topicId: uuid().references(() => topics.id, { onDelete: 'cascade' }),
  }
}

export const usageSamples = pgTable(
  'usage_samples',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    ...usageScope(),
    // The sender's id of a topic sample, so a replayed one is recognised; null for the
    // cluster-wide rows the api adds up from them.
    sampleId: text().unique(),
    sampledAt: timestamp({ withTimezone: true }).notNull(),
    ...usageMetrics(),
    // The sum of the topic's partition end offsets; messagesIn is its rise since the last sample.
    endOffsets: bigint({ mode: 'number' }),
  },
  (table) => [
    index().on(table.orgId, table.sampledAt),
    // One sample per topic (or cluster-wide row) and time; also finds a topic's latest sample.
    unique().on(table.clusterId, table.topicId, table.sampledAt).nullsNotDistinct(),
  ],
)

export const usageRollups = pgTable(
  'usage_rollups',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    ...usageScope(),
    granularity: text().notNull(),
    bucketStart: timestamp({ withTimezone: true }).notNull(),
    ...usageMetrics(),
  },
  (table) => [
    unique()
      .on(table.clusterId, table.topicId, table.granularity, table.bucketStart)
      .nullsNotDistinct(),
    index().on(table.orgId, table.granularity, table.bucketStart),
  ],
)
