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
