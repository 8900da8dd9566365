import type { components } from '@fjord/client/schema'
import type { Shape } from '../output.ts'

// The JSON and YAML shapes of fjord's output, declared once: a script may rely on them, so
// each module's test snapshots them and a change shows up in review.

type Schemas = components['schemas']

/** One limit of the quota with its use: `current` is null for a limit with no use to add up. */
export interface QuotaRow {
  limit: keyof Schemas['QuotaLimits']
  current: number | null
  maximum: number
  unit: 'count' | 'bytes' | 'bytes/s' | 'ms'
}

const units: Record<QuotaRow['limit'], QuotaRow['unit']> = {
  clusters: 'count',
  topics: 'count',
  partitions: 'count',
  storageBytes: 'bytes',
  ingressBytesPerSecond: 'bytes/s',
  egressBytesPerSecond: 'bytes/s',
  maxRetentionMs: 'ms',
}

/** Each limit of the org's quota, in the API's order, beside what is used of it. */
export function quotaRows({ limits, use }: Schemas['Quotas']): QuotaRow[] {
  return (Object.keys(units) as QuotaRow['limit'][]).map((limit) => ({
    limit,
    current: limit === 'maxRetentionMs' ? null : use[limit],
    maximum: limits[limit],
    unit: units[limit],
  }))
}

export const quotaShape: Shape<QuotaRow> = {
  fields: {
    limit: (row) => row.limit,
    current: (row) => row.current,
    maximum: (row) => row.maximum,
    unit: (row) => row.unit,
  },
  columns: ['limit', 'current', 'maximum', 'unit'],
}

/** A limit a planned change would go over (`quotas check`). */
export const quotaViolationShape: Shape<Schemas['QuotaCheck']['violations'][number]> = {
  fields: {
    limit: (violation) => violation.limit,
    current: (violation) => violation.current,
    maximum: (violation) => violation.maximum,
    requested: (violation) => violation.requested,
  },
  columns: ['limit', 'current', 'maximum', 'requested'],
}

export type UsagePoint = Schemas['Usage']['points'][number]

export const usagePointShape: Shape<UsagePoint> = {
  fields: {
    time: (point) => point.time,
    partitions: (point) => point.partitions,
    storageBytes: (point) => point.storageBytes,
    messagesIn: (point) => point.messagesIn,
    bytesIn: (point) => point.bytesIn,
    bytesOut: (point) => point.bytesOut,
  },
  columns: ['time', 'partitions', 'storageBytes', 'messagesIn', 'bytesIn', 'bytesOut'],
}

export const auditEventShape: Shape<Schemas['AuditEvent']> = {
  fields: {
    id: (event) => event.id,
    createdAt: (event) => event.createdAt,
    actor: (event) => event.actor.label,
    actorType: (event) => event.actor.type,
    action: (event) => event.action,
    targetType: (event) => event.target.type,
    target: (event) => event.target.name,
    outcome: (event) => event.outcome,
    requestId: (event) => event.requestId,
    details: (event) => event.details,
  },
  columns: ['createdAt', 'actor', 'action', 'targetType', 'target', 'outcome'],
}
