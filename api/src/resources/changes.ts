import type { Tx } from '../db/client.ts'
import { auditEvents, outbox } from '../db/schema/index.ts'
import type { Actor } from '../http/context.ts'

export interface Change {
  orgId: string | null
  actor: Actor
  requestId: string
  action: string
  targetType: string
  targetName: string
  aggregateId: string
  payload: Record<string, unknown>
  /** What the audit log keeps, when the payload holds what people must not read. */
  details?: Record<string, unknown>
}

/**
 * Records an accepted change: the audit event for people, the outbox row for the provisioner.
 * Call it inside the transaction that makes the change, so both exist exactly when it does.
 */
export async function recordChange(tx: Tx, change: Change): Promise<void> {
  await tx.insert(auditEvents).values({
    orgId: change.orgId,
    actorType: change.actor.type,
    actorId: change.actor.id,
    actorLabel: change.actor.label,
    action: change.action,
    targetType: change.targetType,
    targetName: change.targetName,
    requestId: change.requestId,
    outcome: 'success',
    details: change.details ?? change.payload,
  })
  await tx.insert(outbox).values({
    orgId: change.orgId,
    aggregateType: change.targetType,
    aggregateId: change.aggregateId,
    action: change.action,
    payload: change.payload,
  })
}

/**
 * `recordChange` as two CTEs of a larger statement: an audit event and an outbox row for each
 * row of `source`, whose columns are those of `changeColumns`.
 */
export function changeCtes(source: string): string {
  return `audit AS (
  INSERT INTO audit_events (org_id, actor_type, actor_id, actor_label, action, target_type,
    target_name, request_id, outcome, details)
  SELECT org_id, actor_type, actor_id, actor_label, action, target_type, target_name,
    request_id, 'success', details
  FROM ${source}
), queued AS (
  INSERT INTO outbox (org_id, aggregate_type, aggregate_id, action, payload)
  SELECT org_id, target_type, aggregate_id, action, payload
  FROM ${source}
)`
}

/** A change as the columns `changeCtes` reads (to go in through `jsonb_to_recordset`). */
export function changeColumns(change: Change) {
  return {
    org_id: change.orgId,
    actor_type: change.actor.type,
    actor_id: change.actor.id,
    actor_label: change.actor.label,
    action: change.action,
    target_type: change.targetType,
    target_name: change.targetName,
    request_id: change.requestId,
    details: change.details ?? change.payload,
    aggregate_id: change.aggregateId,
    payload: change.payload,
  }
}

/** The SQL types of `changeColumns`, for the column list of `jsonb_to_recordset`. */
export const changeColumnTypes = `org_id uuid, actor_type text, actor_id text, actor_label text,
  action text, target_type text, target_name text, request_id text, details jsonb,
  aggregate_id text, payload jsonb`
