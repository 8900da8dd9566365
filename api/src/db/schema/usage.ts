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
    sampledAt: timestamp({ withTimezone: true }).notNull(),
    ...usageMetrics(),
  },
  (table) => [index().on(table.orgId, table.sampledAt)],
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
