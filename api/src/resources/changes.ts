import { type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Tx } from '../db/client.ts'
import { auditEvents, outbox } from '../db/schema/index.ts'
import type { Actor, AppContext, Tenant } from '../http/context.ts'

// What each kind of change carries to the provisioner and the audit log. A row may wait in the
// outbox through an upgrade, so these say what a kind holds, not the bounds a request is held
// to: tightening a request's rules must not strand a change already accepted.
const TopicSpec = z.object({
  partitions: z.number().int(),
  replicationFactor: z.number().int(),
  config: z.record(z.string(), z.string()),
})
const ClusterSpec = z.object({
  type: z.string(),
  provider: z.string(),
  region: z.string(),
  description: z.string(),
})
const ServiceAccountSpec = z.object({
  description: z.string(),
  acls: z.array(z.record(z.string(), z.unknown())),
})
/** Why a resource goes back to the provisioner though its spec did not change. */
const Resync = z.object({ reason: z.string() })
/** Where a credential's password was put, and which credential put it there. */
const PasswordSecret = z.object({
  namespace: z.string(),
  secret: z.string(),
  credentialId: z.string(),
})
const ApiKey = z.object({ name: z.string(), role: z.string(), prefix: z.string() })
const Invitation = z.object({ email: z.string(), role: z.string() })

const kind = <const Action extends string, Payload extends z.ZodType>(
  action: Action,
  payload: Payload,
) => z.object({ action: z.literal(action), payload })

/** Every kind of change the api records, told apart by its action (`<aggregate type>.<verb>`). */
export const ChangeKindSchema = z.discriminatedUnion('action', [
  kind('organization.create', z.object({ name: z.string(), plan: z.string() })),
  kind('organization.update', z.object({ displayName: z.string(), plan: z.string() }).partial()),
  // One recorded before orgs kept their namespace names none: it was the org's name.
  kind('organization.delete', z.object({ name: z.string(), namespace: z.string().optional() })),
  kind('quota.update', z.record(z.string(), z.union([z.literal('plan'), z.number()]))),
  kind('cluster.create', z.object({ spec: ClusterSpec })),
  kind('cluster.update', z.object({ spec: ClusterSpec })),
  kind('cluster.delete', z.object({ spec: ClusterSpec })),
  kind('cluster.resync', Resync),
  kind('topic.create', z.object({ spec: TopicSpec, bulk: z.boolean().optional() })),
  kind('topic.update', z.object({ spec: TopicSpec, bulk: z.boolean().optional() })),
  kind('topic.delete', z.object({ spec: TopicSpec, bulk: z.boolean().optional() })),
  kind('topic.resync', Resync),
  // A test message the console or API wrote with the platform's login: where it went, not what.
  kind('topic.message.produce', z.object({ partition: z.number().int(), offset: z.string() })),
  kind('service_account.create', z.object({ spec: ServiceAccountSpec })),
  kind('service_account.update', z.object({ spec: ServiceAccountSpec })),
  kind('service_account.delete', z.object({ spec: ServiceAccountSpec })),
  kind('service_account.resync', Resync),
  // Scheduled as a credential is issued, to withdraw it should the request stop half-way.
  kind('credential.issue', PasswordSecret.extend({ serviceAccountId: z.string() })),
  kind('credential.create', z.object({ username: z.string(), serviceAccountId: z.string() })),
  kind('credential.delete', PasswordSecret),
  kind(
    'group.offsets.reset',
    z.object({
      to: z.string(),
      partitions: z.array(
        z.object({
          topic: z.string(),
          partition: z.number().int(),
          previousOffset: z.number().nullable(),
          newOffset: z.number(),
        }),
      ),
    }),
  ),
  kind('api_key.create', ApiKey),
  kind('api_key.delete', ApiKey),
  kind('member.update', z.object({ from: z.string(), to: z.string() })),
  kind('member.delete', z.object({ role: z.string() })),
  kind('invitation.create', Invitation),
  kind('invitation.delete', Invitation),
  kind('invitation.accept', Invitation),
  kind('user.password.change', z.object({})),
])

export type ChangeKind = z.output<typeof ChangeKindSchema>

/** A change as its writer records it: its kind, who made it, and what it is about. */
export type Change = ChangeKind & {
  orgId: string | null
  actor: Actor
  requestId: string
  targetName: string
  aggregateId: string
}

/** Who makes a tenant's change, and in which request: what a route knows of it from its context. */
export function madeBy(
  c: AppContext,
  tenant: Tenant,
): Pick<Change, 'orgId' | 'actor' | 'requestId'> {
  return { orgId: tenant.orgId, actor: tenant.actor, requestId: c.get('requestId') }
}

/** The type of aggregate a change is about: the part of its action before the first dot. */
function aggregateTypeOf(action: ChangeKind['action']): string {
  return action.slice(0, action.indexOf('.'))
}

const actions = new Set<string>(ChangeKindSchema.options.map((option) => option.shape.action.value))

/** Reads a change kind from what an outbox row holds; says why when it is none. */
export function parseChangeKind(action: string, payload: unknown) {
  if (!actions.has(action)) {
    return { ok: false, error: `${action} is no kind of change the api records` } as const
  }
  const parsed = ChangeKindSchema.safeParse({ action, payload })
  return parsed.success
    ? ({ ok: true, kind: parsed.data } as const)
    : ({
        ok: false,
        error: `the payload is not a ${action}: ${z.prettifyError(parsed.error)}`,
      } as const)
}

/**
 * A change kind built where the action is only known at run time (the declarative writes);
 * a kind that does not exist or a payload that does not fit it is a bug, thrown as one.
 */
export function changeKindOf(action: string, payload: unknown): ChangeKind {
  const parsed = parseChangeKind(action, payload)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.kind
}

const rowsPerInsert = 1_000

/**
 * Records accepted changes in the caller's transaction, so that they exist exactly when the
 * change does: for each, the audit event for people and the outbox row for the provisioner.
 * `delayMs` keeps the provisioner off the rows until then. Answers the outbox rows' ids.
 */
export async function enqueue(
  tx: Tx,
  changes: Change | Change[],
  options: { delayMs?: number } = {},
): Promise<number[]> {
  const rows = (Array.isArray(changes) ? changes : [changes]).map((change) => ({
    change,
    kind: changeKindOf(change.action, change.payload),
  }))
  const notBefore: SQL | undefined =
    options.delayMs === undefined
      ? undefined
      : sql`now() + make_interval(secs => ${options.delayMs / 1000})`
  const ids: number[] = []
  // PostgreSQL takes at most 65,535 parameters a statement (10 a row here): a prune of ten
  // thousand topics goes in several inserts.
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const chunk = rows.slice(start, start + rowsPerInsert)
    await tx.insert(auditEvents).values(
      chunk.map(({ change, kind }) => ({
        orgId: change.orgId,
        actorType: change.actor.type,
        actorId: change.actor.id,
        actorLabel: change.actor.label,
        action: kind.action,
        targetType: aggregateTypeOf(kind.action),
        targetName: change.targetName,
        requestId: change.requestId,
        outcome: 'success',
        details: kind.payload,
      })),
    )
    const queued = await tx
      .insert(outbox)
      .values(
        chunk.map(({ change, kind }) => ({
          orgId: change.orgId,
          aggregateType: aggregateTypeOf(kind.action),
          aggregateId: change.aggregateId,
          action: kind.action,
          payload: kind.payload,
          ...(notBefore ? { nextAttemptAt: notBefore } : {}),
        })),
      )
      .returning({ id: outbox.id })
    ids.push(...queued.map((row) => row.id))
  }
  return ids
}

/**
 * `enqueue` as two CTEs of a larger statement: an audit event and an outbox row for each
 * row of `source`, whose columns are those of `changeColumns`.
 */
export function changeCtes(source: string): string {
  return `audit AS (
  INSERT INTO audit_events (org_id, actor_type, actor_id, actor_label, action, target_type,
    target_name, request_id, outcome, details)
  SELECT org_id, actor_type, actor_id, actor_label, action, target_type, target_name,
    request_id, 'success', payload
  FROM ${source}
), queued AS (
  INSERT INTO outbox (org_id, aggregate_type, aggregate_id, action, payload)
  SELECT org_id, target_type, aggregate_id, action, payload
  FROM ${source}
)`
}

/** A change as the columns `changeCtes` reads (to go in through `jsonb_to_recordset`). */
export function changeColumns(change: Change) {
  const { action, payload } = changeKindOf(change.action, change.payload)
  return {
    org_id: change.orgId,
    actor_type: change.actor.type,
    actor_id: change.actor.id,
    actor_label: change.actor.label,
    action,
    target_type: aggregateTypeOf(action),
    target_name: change.targetName,
    request_id: change.requestId,
    aggregate_id: change.aggregateId,
    payload,
  }
}

/** The SQL types of `changeColumns`, for the column list of `jsonb_to_recordset`. */
export const changeColumnTypes = `org_id uuid, actor_type text, actor_id text, actor_label text,
  action text, target_type text, target_name text, request_id text, aggregate_id text,
  payload jsonb`
