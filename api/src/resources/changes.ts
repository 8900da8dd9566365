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
 * `recordChange` as two CTEs of a larger statement: the audit event and the outbox row are
 * written when, and only when, the CTE `source` yields a row. Their values are `changeValues`,
 * bound from parameter `$first` on.
 */
export function changeCtes(source: string, first: number): string {
  const $ = (offset: number) => `$${first + offset}`
  return `audit AS (
  INSERT INTO audit_events (org_id, actor_type, actor_id, actor_label, action, target_type,
    target_name, request_id, outcome, details)
  SELECT ${$(0)}::uuid, ${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, ${$(6)}, ${$(7)}, 'success',
    ${$(8)}::jsonb
  FROM ${source}
), queued AS (
  INSERT INTO outbox (org_id, aggregate_type, aggregate_id, action, payload)
  SELECT ${$(0)}::uuid, ${$(5)}, ${$(9)}, ${$(4)}, ${$(10)}::jsonb
  FROM ${source}
)`
}

export function changeValues(change: Change): unknown[] {
  return [
    change.orgId,
    change.actor.type,
    change.actor.id,
    change.actor.label,
    change.action,
    change.targetType,
    change.targetName,
    change.requestId,
    JSON.stringify(change.details ?? change.payload),
    change.aggregateId,
    JSON.stringify(change.payload),
  ]
}
