import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core'
import { organizations } from './orgs.ts'

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    orgId: uuid().references(() => organizations.id, { onDelete: 'cascade' }),
    actorType: text().notNull(),
    actorId: text().notNull(),
    actorLabel: text().notNull(),
    action: text().notNull(),
    targetType: text().notNull(),
    targetName: text().notNull(),
    requestId: text().notNull(),
    outcome: text().notNull(),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index().on(table.orgId, table.id)],
)

// Desired-state changes for the provisioner, written in the same transaction as the change
// (with its audit event) by `enqueue`; `action` names the change's kind and `payload` holds it
// (see resources/changes.ts).
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    orgId: uuid().references(() => organizations.id, { onDelete: 'cascade' }),
    aggregateType: text().notNull(),
    aggregateId: text().notNull(),
    action: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    // The provisioner's claim: a row is taken by one replica until lockedUntil, retried with
    // backoff from nextAttemptAt, and its last failure kept for people to read. A row
    // processed with a lastError was refused, never applied: its payload is not the change
    // its action names.
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp({ withTimezone: true }),
    lastError: text(),
  },
  (table) => [index().on(table.processedAt, table.id)],
)

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    principalId: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    // Null while the first request is still running.
    status: integer(),
    responseBody: text(),
    responseHeaders: jsonb().$type<Record<string, string>>(),
    lockedUntil: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.principalId, table.key] }), index().on(table.createdAt)],
)
