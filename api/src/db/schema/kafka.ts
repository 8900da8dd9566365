import { sql } from 'drizzle-orm'
import {
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { organizations } from './orgs.ts'

export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason: string
  message: string
  lastTransitionTime: string
}

export interface Acl {
  resourceType: 'topic' | 'group' | 'transactionalId'
  patternType: 'literal' | 'prefixed'
  name: string
  operations: string[]
}

// Every provisioned resource carries the same desired-vs-observed bookkeeping as a custom resource.
function lifecycleColumns() {
  return {
    generation: integer().notNull().default(1),
    phase: text().notNull().default('Pending'),
    conditions: jsonb().$type<Condition[]>().notNull().default([]),
    observedGeneration: integer().notNull().default(0),
    deletionRequestedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  }
}

function orgColumn() {
  return uuid()
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' })
}

export const clusters = pgTable(
  'clusters',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: orgColumn(),
    name: text().notNull(),
    type: text().notNull(),
    provider: text().notNull(),
    region: text().notNull(),
    description: text().notNull().default(''),
    kafkaPrefix: text().notNull(),
    bootstrapServers: text(),
    // The KafkaPool a shared cluster was placed on, once the provisioner chose one.
    pool: text(),
    ...lifecycleColumns(),
  },
  (table) => [
    unique().on(table.orgId, table.name),
    // Org a-b's cluster c and org a's cluster b-c would share a prefix: one of them only.
    uniqueIndex().on(table.kafkaPrefix).where(sql`${table.kafkaPrefix} <> ''`),
  ],
)

export const topics = pgTable(
  'topics',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: orgColumn(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    // Kafka metric names turn '.' into '_', so 'a.b' and 'a_b' must not live side by side.
    collisionKey: text().notNull(),
    kafkaName: text().notNull(),
    partitions: integer().notNull(),
    replicationFactor: integer().notNull(),
    config: jsonb().$type<Record<string, string>>().notNull().default({}),
    ...lifecycleColumns(),
    // The topic as the api answers it but its cluster, JSON text, kept by a trigger on every
    // write (migration 0007) so that a page of topics is read, not built; a test holds it equal
    // to `presentTopic`.
    document: text(),
  },
  (table) => [
    unique().on(table.clusterId, table.name),
    unique().on(table.clusterId, table.collisionKey),
    // The list path: one org's topics of one cluster in name order, read without a sort.
    index().on(table.orgId, table.clusterId, table.name),
  ],
)

export const serviceAccounts = pgTable(
  'service_accounts',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: orgColumn(),
    clusterId: uuid()
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text().notNull().default(''),
    principal: text().notNull(),
    acls: jsonb().$type<Acl[]>().notNull().default([]),
    ...lifecycleColumns(),
  },
  (table) => [
    unique().on(table.clusterId, table.name),
    index().on(table.orgId, table.clusterId, table.name),
  ],
)

// Metadata only: the password is shown once and reaches Kafka through the outbox as a salted hash.
export const credentials = pgTable(
  'credentials',
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: orgColumn(),
    serviceAccountId: uuid()
      .notNull()
      .references(() => serviceAccounts.id, { onDelete: 'cascade' }),
    username: text().notNull(),
    mechanism: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index().on(table.serviceAccountId)],
)
