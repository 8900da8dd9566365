import { ApiError } from '../errors.ts'

export interface QuotaLimits {
  clusters: number
  topics: number
  partitions: number
  storageBytes: number
  ingressBytesPerSecond: number
  egressBytesPerSecond: number
  maxRetentionMs: number
}

export type QuotaUse = Omit<QuotaLimits, 'maxRetentionMs'>

/** What a change adds; `retentionMs` is the longest retention it asks for (-1 = forever). */
export interface PlannedChange {
  clusters?: number
  topics?: number
  partitions?: number
  retentionMs?: number
}

export interface QuotaViolation {
  limit: keyof QuotaLimits
  current: number
  maximum: number
  requested: number
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const day = 24 * 60 * 60 * 1000

export const plans = ['free', 'startup', 'business'] as const
export type Plan = (typeof plans)[number]

export const planLimits: Record<Plan, QuotaLimits> = {
  free: {
    clusters: 1,
    topics: 10,
    partitions: 30,
    storageBytes: GiB,
    ingressBytesPerSecond: MiB,
    egressBytesPerSecond: 2 * MiB,
    maxRetentionMs: 7 * day,
  },
  startup: {
    clusters: 3,
    topics: 200,
    partitions: 1_000,
    storageBytes: 100 * GiB,
    ingressBytesPerSecond: 10 * MiB,
    egressBytesPerSecond: 30 * MiB,
    maxRetentionMs: 30 * day,
  },
  business: {
    clusters: 10,
    topics: 2_000,
    partitions: 10_000,
    storageBytes: 2_048 * GiB,
    ingressBytesPerSecond: 100 * MiB,
    egressBytesPerSecond: 300 * MiB,
    maxRetentionMs: 365 * day,
  },
}

const countedLimits = ['clusters', 'topics', 'partitions'] as const

/** Every limit the change would break; growing is checked, shrinking always fits. */
export function quotaViolations(
  limits: QuotaLimits,
  use: QuotaUse,
  change: PlannedChange,
): QuotaViolation[] {
  const violations: QuotaViolation[] = []
  for (const limit of countedLimits) {
    const added = change[limit] ?? 0
    if (added > 0 && use[limit] + added > limits[limit]) {
      violations.push({ limit, current: use[limit], maximum: limits[limit], requested: added })
    }
  }
  const retention = change.retentionMs
  if (retention !== undefined && (retention === -1 || retention > limits.maxRetentionMs)) {
    violations.push({
      limit: 'maxRetentionMs',
      current: retention,
      maximum: limits.maxRetentionMs,
      requested: retention,
    })
  }
  return violations
}

/** Several changes as one: what they add up to, and the longest retention any asks for. */
export function combinedChange(changes: PlannedChange[]): PlannedChange {
  const combined: PlannedChange = {}
  for (const change of changes) {
    for (const limit of countedLimits) {
      if (change[limit] !== undefined) combined[limit] = (combined[limit] ?? 0) + change[limit]
    }
    const retention = change.retentionMs
    if (retention !== undefined && combined.retentionMs !== -1) {
      combined.retentionMs =
        retention === -1 ? -1 : Math.max(combined.retentionMs ?? retention, retention)
    }
  }
  return combined
}

/** The use once the change is made (counted limits only: a write changes nothing else). */
export function useAfter(use: QuotaUse, change: PlannedChange): QuotaUse {
  const after = { ...use }
  for (const limit of countedLimits) after[limit] += change[limit] ?? 0
  return after
}

/**
 * Which of `changes`, taken one after the other, fit: each that does counts toward the next,
 * as if they had been made one at a time.
 */
export function changesThatFit(
  limits: QuotaLimits,
  use: QuotaUse,
  changes: PlannedChange[],
): boolean[] {
  let taken: PlannedChange = {}
  return changes.map((change) => {
    const together = combinedChange([taken, change])
    if (quotaViolations(limits, use, together).length > 0) return false
    taken = together
    return true
  })
}

export function assertNoViolations(violations: QuotaViolation[]): void {
  const [first] = violations
  if (!first) return
  throw new ApiError(
    'quota_exceeded',
    `The ${first.limit} quota allows ${first.maximum}; you use ${first.current} and asked for ${first.requested} more`,
    { extra: { ...first, violations } },
  )
}
