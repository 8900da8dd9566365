/** A status condition as Kubernetes API conventions define it. */
export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason: string
  message: string
  observedGeneration?: number
  lastTransitionTime: string
}

/**
 * Returns `conditions` with `next` set in place of any condition of its type. The
 * transition time moves only when the status flips, so re-reconciling an unchanged object
 * produces an identical status and `applyStatusIfChanged` writes nothing.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date = new Date(),
): Condition[] {
  const list = conditions ?? []
  const previous = list.find((c) => c.type === next.type)
  const lastTransitionTime =
    previous && previous.status === next.status
      ? previous.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const updated: Condition = { ...next, lastTransitionTime }
  return previous ? list.map((c) => (c === previous ? updated : c)) : [...list, updated]
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type)
}
