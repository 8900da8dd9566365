import { bigint, integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { organizations } from './orgs.ts'

// A platform admin's per-org overrides of the plan's limits; a null column keeps the plan's value.
export const quotaOverrides = pgTable('quota_overrides', {
  orgId: uuid()
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  clusters: integer(),
  topics: integer(),
  partitions: integer(),
  storageBytes: bigint({ mode: 'number' }),
  ingressBytesPerSecond: bigint({ mode: 'number' }),
  egressBytesPerSecond: bigint({ mode: 'number' }),
  maxRetentionMs: bigint({ mode: 'number' }),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

// Counters kept by triggers (see the migration) so a quota check reads one row, not every topic.
export const orgUsage = pgTable('org_usage', {
  orgId: uuid()
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  clusters: integer().notNull().default(0),
  topics: integer().notNull().default(0),
  partitions: integer().notNull().default(0),
})
